"""Round-trips a directory of small files and a 200 MiB file through boto3 (Debian's), across nodes."""
import hashlib, os, sys, urllib.request
import boto3
from botocore.config import Config

urls = sys.argv[1:]
def client(url):
    return boto3.client("s3", endpoint_url=url, region_name=os.environ["AWS_DEFAULT_REGION"],
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
a, b = client(urls[0]), client(urls[-1])
a.create_bucket(Bucket="boto3-tools")
for root, _, files in os.walk("small"):
    for name in files:
        path = os.path.join(root, name)
        a.upload_file(path, "boto3-tools", path)
listed = [o["Key"] for page in b.get_paginator("list_objects_v2").paginate(Bucket="boto3-tools") for o in page.get("Contents", [])]
print("listed", len(listed), "keys")
same = 0
for key in listed:
    body = b.get_object(Bucket="boto3-tools", Key=key)["Body"].read()
    same += body == open(key, "rb").read()
print("small files identical:", same, "of", len(listed))
a.upload_file("big.bin", "boto3-tools", "big.bin")   # multipart (8 MiB parts)
print("head:", b.head_object(Bucket="boto3-tools", Key="big.bin")["ETag"])
b.download_file("boto3-tools", "big.bin", "out/boto3-big.bin")
h = lambda p: hashlib.sha256(open(p, "rb").read()).hexdigest()
print("200 MiB identical:", h("big.bin") == h("out/boto3-big.bin"))
url = a.generate_presigned_url("get_object", Params={"Bucket": "boto3-tools", "Key": listed[0]}, ExpiresIn=60)
print("presigned GET identical:", urllib.request.urlopen(url).read() == open(listed[0], "rb").read())
prefixes = b.list_objects_v2(Bucket="boto3-tools", Prefix="small/", Delimiter="/")
print("delimited:", [p["Prefix"] for p in prefixes.get("CommonPrefixes", [])], len(prefixes.get("Contents", [])), "keys")
for page in a.get_paginator("list_objects_v2").paginate(Bucket="boto3-tools"):
    keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
    if keys:
        print("deleted", len(a.delete_objects(Bucket="boto3-tools", Delete={"Objects": keys})["Deleted"]))
a.delete_bucket(Bucket="boto3-tools")
print("bucket deleted")
