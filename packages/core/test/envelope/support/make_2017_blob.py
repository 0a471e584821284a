#!/usr/bin/env python3
"""Makes blobs by the 2017 blockstack_client rules (v0.14-v0.17), for the import-2017 tests.

Written for these tests from the 2017 rules (not copied): fq_data_id = Python 2 urllib.quote of
"<device_id>:<data_id>" with '/' first written as the four characters \\x2f; payload =
json.dumps(blob, sort_keys=True); signature = low-S ECDSA (SHA-256) over the netstring of the payload,
base64 of r||s; blob = "bsk2.<compressed pubkey hex>.<signature>.<netstring>". Tombstones are
"delete-<millis>:<fq_data_id>:<signature of the text before the last ':'>".

stdin: {"private_key": hex, "items": [{"kind": "datum"|"tombstone", ...}]}; stdout: a JSON list of
base64 blobs. Needs the `cryptography` package.
"""
import base64
import json
import sys
import urllib.parse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def fq_data_id(device_id, data_id):
    raw = '{}:{}'.format(device_id, data_id).replace('/', '\\x2f')
    # Python 2's quote kept '~' quoted; Python 3.7+ leaves it alone.
    return urllib.parse.quote(raw, safe='/').replace('~', '%7E')


def sign(key, text):
    der = key.sign(text.encode('ascii'), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    if s * 2 >= ORDER:
        s = ORDER - s
    return base64.b64encode(r.to_bytes(32, 'big') + s.to_bytes(32, 'big')).decode('ascii')


def main():
    spec = json.load(sys.stdin)
    key = ec.derive_private_key(int(spec['private_key'], 16), ec.SECP256K1())
    pub = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    ).hex()
    out = []
    for item in spec['items']:
        fq = item.get('fq_data_id') or fq_data_id(item['device_id'], item['data_id'])
        if item['kind'] == 'tombstone':
            text = 'delete-{}:{}'.format(item['millis'], fq)
            blob = '{}:{}'.format(text, sign(key, text))
        else:
            fields = {'fq_data_id': fq, 'data': item['data'], 'version': item['version'],
                      'timestamp': item['timestamp']}
            if item.get('blockchain_id') is not None:
                fields['blockchain_id'] = item['blockchain_id']
            payload = json.dumps(fields, sort_keys=True)
            netstring = '{}:{},'.format(len(payload), payload)
            blob = 'bsk2.{}.{}.{}'.format(pub, sign(key, netstring), netstring)
        out.append(base64.b64encode(blob.encode('ascii')).decode('ascii'))
    json.dump(out, sys.stdout)


main()
