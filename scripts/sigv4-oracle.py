"""Signs requests with botocore's own S3 SigV4 signer, the oracle proj's signer is tested against.
Reads a JSON list of requests on stdin: {method, url (scheme://host[:port]/path, path percent-encoded as S3 wants
it), params: {name: value}, headers: {name: value}, body, timestamp, key, secret, token, region, unsigned}.
Prints a JSON list of {signed_headers, signature, canonical_request}, one per request."""
import json
import sys

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

out = []
for r in json.load(sys.stdin):
    request = AWSRequest(method=r["method"], url=r["url"], headers=r["headers"], params=r["params"], data=r["body"].encode())
    request.context["timestamp"] = r["timestamp"]
    auth = S3SigV4Auth(Credentials(r["key"], r["secret"], r.get("token")), "s3", r["region"])
    auth._modify_request_before_signing(request)
    if r.get("unsigned"):
        # A streamed upload: the payload is not hashed, and the canonical request says so.
        request.headers.replace_header("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD")
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    out.append({"signed_headers": auth.signed_headers(auth.headers_to_sign(request)), "signature": signature, "canonical_request": canonical})
print(json.dumps(out))
