"""The local cloud's S3 website endpoint: the access rules alone, then real HTTP to a running local cloud."""

from __future__ import annotations

import http.client
import json
from types import SimpleNamespace

import pytest

from local_cloud.s3_website import (
    parse_website_configuration,
    policy_allows_public_read,
    public_policy_blocked,
    website_host,
)

BUCKET = "site-web-1"
PUBLIC_READ = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}]})
OPEN = SimpleNamespace(block_public_acls=True, ignore_public_acls=True, block_public_policy=False,
                       restrict_public_buckets=False)


# -- the rules, without a server --------------------------------------------------------------------------

@pytest.mark.parametrize("host, bucket", [
    ("site-web-1.s3-website.localhost:4566", "site-web-1"),
    ("Site-Web-1.S3-Website.Localhost:4566", "site-web-1"),  # host names are case-insensitive
    ("my.dotted.bucket.s3-website.localhost:4566", "my.dotted.bucket"),
    ("site-web-1.s3-website.localhost:4567", None),  # another port: not this cloud
    ("site-web-1.s3-website.localhost", None),
    ("127.0.0.1:4566", None),
    ("localhost:4566", None),
    (".s3-website.localhost:4566", None),
    ("a.s3-website.localhost:4566", None),  # too short for a bucket name
    ("evil.example.com:4566", None),
])
def test_website_hosts(host, bucket):
    assert website_host(host, 4566) == bucket


def test_website_configuration_is_read_from_moto_s_xml():
    xml = (b'<WebsiteConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IndexDocument><Suffix>'
           b'index.html</Suffix></IndexDocument><ErrorDocument><Key>oops.html</Key></ErrorDocument>'
           b'</WebsiteConfiguration>')
    config = parse_website_configuration(xml)
    assert (config.index_suffix, config.error_key) == ("index.html", "oops.html")
    assert parse_website_configuration(None) is None


@pytest.mark.parametrize("statement, readable", [
    ({"Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}, True),
    ({"Principal": {"AWS": "*"}, "Action": ["s3:GetObject"], "Resource": [f"arn:aws:s3:::{BUCKET}/*"]}, True),
    ({"Principal": "*", "Action": "s3:Get*", "Resource": f"arn:aws:s3:::{BUCKET}/*"}, True),
    ({"Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/index.html"}, True),
    ({"Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/public/*"}, False),
    ({"Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::other-bucket/*"}, False),
    ({"Principal": "*", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{BUCKET}/*"}, False),
    ({"Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:GetObject",
      "Resource": f"arn:aws:s3:::{BUCKET}/*"}, False),  # an account is not the public
    ({"Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/*",
      "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}, False),
])
def test_which_policies_make_an_object_public(statement, readable):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", **statement}]})
    assert policy_allows_public_read(policy, BUCKET, "index.html") is readable


def test_a_deny_wins_over_an_allow():
    policy = json.loads(PUBLIC_READ)
    policy["Statement"].append({"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                                "Resource": f"arn:aws:s3:::{BUCKET}/secret.txt"})
    assert policy_allows_public_read(json.dumps(policy), BUCKET, "index.html")
    assert not policy_allows_public_read(json.dumps(policy), BUCKET, "secret.txt")


def test_no_policy_or_a_broken_one_makes_nothing_public():
    assert not policy_allows_public_read(None, BUCKET, "index.html")
    assert not policy_allows_public_read("{not json", BUCKET, "index.html")


def test_block_public_access_as_aws_applies_it():
    assert public_policy_blocked(OPEN) is None
    assert public_policy_blocked(None) is None  # after delete_public_access_block nothing is blocked
    restricted = SimpleNamespace(**{**vars(OPEN), "restrict_public_buckets": True})
    assert "RestrictPublicBuckets" in public_policy_blocked(restricted)
    # BlockPublicPolicy refuses new public policies (see the patch), but a policy already there still works.
    assert public_policy_blocked(SimpleNamespace(**{**vars(OPEN), "block_public_policy": True})) is None


# -- real HTTP to a running local cloud -------------------------------------------------------------------

def request(cloud, method, path, host=None, headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", cloud.port, timeout=10)
    try:
        connection.request(method, path, body=body,
                           headers={"Host": host or f"{BUCKET}.s3-website.localhost:{cloud.port}", **(headers or {})})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def s3(cloud):
    client = cloud.client("s3")
    client.create_bucket(Bucket=BUCKET)
    files = {"index.html": (b"<h1>home</h1>", "text/html; charset=utf-8"),
             "app.js": (b"export {};", "text/javascript"),
             "docs/index.html": (b"<h1>docs</h1>", "text/html"),
             "oops.html": (b"<h1>not here</h1>", "text/html")}
    for key, (body, content_type) in files.items():
        client.put_object(Bucket=BUCKET, Key=key, Body=body, ContentType=content_type)
    client.put_object(Bucket=BUCKET, Key="untyped", Body=b"?")
    return client


def open_bucket(s3):
    s3.put_bucket_website(Bucket=BUCKET, WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    s3.put_bucket_policy(Bucket=BUCKET, Policy=PUBLIC_READ)


def test_a_bucket_that_is_not_a_website_is_not_served(cloud, s3):
    s3.delete_bucket_website(Bucket=BUCKET)
    status, _, body = request(cloud, "GET", "/")
    assert status == 404 and b"NoSuchWebsiteConfiguration" in body and b"put_bucket_website" in body
    status, _, body = request(cloud, "GET", "/", host=f"no-such-bucket.s3-website.localhost:{cloud.port}")
    assert status == 404 and b"NoSuchBucket" in body


def test_a_new_bucket_blocks_public_access_like_aws(cloud):
    """Since April 2023 AWS turns Block Public Access on for every new bucket."""
    s3 = cloud.client("s3")
    s3.create_bucket(Bucket="fresh-bucket-1")
    settings = s3.get_public_access_block(Bucket="fresh-bucket-1")["PublicAccessBlockConfiguration"]
    assert settings == {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
                        "RestrictPublicBuckets": True}
    public = PUBLIC_READ.replace(BUCKET, "fresh-bucket-1")
    with pytest.raises(s3.exceptions.ClientError) as refused:
        s3.put_bucket_policy(Bucket="fresh-bucket-1", Policy=public)
    error = refused.value.response["Error"]
    assert error["Code"] == "AccessDenied" and refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "BlockPublicPolicy" in error["Message"] and "put_public_access_block" in error["Message"]

    # A policy that is not public is fine; and the website still serves nothing while reads are restricted.
    s3.put_bucket_policy(Bucket="fresh-bucket-1", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::fresh-bucket-1/*"}]}))
    s3.put_bucket_website(Bucket="fresh-bucket-1", WebsiteConfiguration={"IndexDocument": {"Suffix": "index.html"}})
    s3.put_object(Bucket="fresh-bucket-1", Key="index.html", Body=b"hi", ContentType="text/html")
    status, _, body = request(cloud, "GET", "/", host=f"fresh-bucket-1.s3-website.localhost:{cloud.port}")
    assert status == 403 and b"RestrictPublicBuckets" in body

    # Opened as step 07 does it, the public policy is accepted.
    s3.put_public_access_block(Bucket="fresh-bucket-1", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    s3.put_bucket_policy(Bucket="fresh-bucket-1", Policy=public)
    status, _, body = request(cloud, "GET", "/", host=f"fresh-bucket-1.s3-website.localhost:{cloud.port}")
    assert (status, body) == (200, b"hi")


def test_without_a_public_policy_nothing_is_served(cloud, s3):
    open_bucket(s3)
    s3.delete_bucket_policy(Bucket=BUCKET)
    status, _, body = request(cloud, "GET", "/index.html")
    assert status == 403 and b"AccessDenied" in body and b"put_bucket_policy" in body


def test_a_public_website_serves_its_files_with_their_content_type(cloud, s3):
    open_bucket(s3)
    status, headers, body = request(cloud, "GET", "/")
    assert (status, headers["content-type"], body) == (200, "text/html; charset=utf-8", b"<h1>home</h1>")
    assert headers["etag"].startswith('"') and "last-modified" in headers
    assert "access-control-allow-origin" not in headers  # no CORS
    status, headers, body = request(cloud, "GET", "/app.js")
    assert (status, headers["content-type"]) == (200, "text/javascript")
    status, headers, _ = request(cloud, "GET", "/untyped")
    assert headers["content-type"] == "binary/octet-stream"  # S3's default without ContentType
    status, _, body = request(cloud, "GET", "/docs/")
    assert (status, body) == (200, b"<h1>docs</h1>")


def test_head_answers_the_headers_without_the_body(cloud, s3):
    open_bucket(s3)
    status, headers, body = request(cloud, "HEAD", "/app.js")
    assert (status, headers["content-length"], body) == (200, "10", b"")


def test_a_folder_without_its_slash_is_redirected(cloud, s3):
    open_bucket(s3)
    status, headers, _ = request(cloud, "GET", "/docs")
    assert status == 302 and headers["location"] == "/docs/"


def test_missing_keys_answer_404_or_the_error_document(cloud, s3):
    open_bucket(s3)
    status, _, body = request(cloud, "GET", "/nothing.html")
    assert status == 404 and b"NoSuchKey" in body
    s3.put_bucket_website(Bucket=BUCKET, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "oops.html"}})
    status, headers, body = request(cloud, "GET", "/nothing.html")
    assert (status, body, headers["content-type"]) == (404, b"<h1>not here</h1>", "text/html")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_only_get_and_head_are_served(cloud, s3, method):
    open_bucket(s3)
    status, headers, body = request(cloud, method, "/index.html", body=b"x")
    assert status == 405 and b"MethodNotAllowed" in body and headers["allow"] == "GET, HEAD"
    assert s3.get_object(Bucket=BUCKET, Key="index.html")["Body"].read() == b"<h1>home</h1>"


@pytest.mark.parametrize("method, path", [
    ("POST", "/2015-03-31/functions/any/invocations"),
    ("GET", "/_local_cloud/health"),
    ("POST", "/_local_cloud/shutdown"),
    ("GET", "/moto-api/"),
    ("POST", "/@connections/AAAAAAAAAAAAAAA="),
    ("GET", "/?list-type=2"),
])
def test_a_website_host_reaches_nothing_but_the_website(cloud, s3, method, path):
    """A page served from a bucket (or anything naming its host) gains nothing on the cloud's other paths."""
    open_bucket(s3)
    status, _, body = request(cloud, method, path, headers={"Authorization": "AWS4-HMAC-SHA256 Credential=x"})
    assert status in (200, 404, 405)
    assert b"endpoint_url" not in body and b"ListBucketResult" not in body and b"stopping" not in body
    if status == 200:
        assert body == b"<h1>home</h1>"  # "/?list-type=2" is the index page, not a bucket listing
    health = request(cloud, "GET", "/_local_cloud/health", host=f"127.0.0.1:{cloud.port}")
    assert health[0] == 200  # the cloud is still up


@pytest.mark.parametrize("method, path", [
    ("POST", "/2015-03-31/functions/any/invocations"),
    ("POST", "/@connections/AAAAAAAAAAAAAAA="),
    ("POST", "/"),
    ("GET", "/moto-api/"),
])
def test_a_browser_request_from_a_website_origin_to_the_api_fails(cloud, s3, method, path):
    """What a script on the served page could send to the API itself: the boundary refuses it."""
    open_bucket(s3)
    origin = f"http://{BUCKET}.s3-website.localhost:{cloud.port}"
    status, headers, _ = request(cloud, method, path, host=f"127.0.0.1:{cloud.port}",
                                 headers={"Origin": origin, "Content-Type": "application/x-amz-json-1.0",
                                          "X-Amz-Target": "DynamoDB_20120810.ListTables"}, body=b"{}")
    assert status in (401, 403, 404)
    assert "access-control-allow-origin" not in headers
