"""A folder or an S3 prefix behind one small interface (landing zone and report output).

`s3://bucket/prefix` uses boto3 (credentials by the standard AWS chain; an
endpoint override for S3-compatible stores); anything else is a local folder.
Listing paginates; uploads go through boto3's transfer manager, which switches to
multipart above its threshold; links are presigned SigV4 URLs.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

MULTIPART_THRESHOLD = 8 * 1024 * 1024
# What S3 can sign: a SigV4 presigned URL lives from 1 second to 7 days.
MIN_LINK_EXPIRY = timedelta(seconds=1)
MAX_LINK_EXPIRY = timedelta(days=7)
# Stored with its type, so that a link to it opens in the browser (S3's default, binary/octet-stream, downloads).
CONTENT_TYPES = {".html": "text/html; charset=utf-8"}


def check_link_expiry(expires_in: timedelta) -> int:
    """``expires_in`` in whole seconds, or ValueError when a signed S3 link cannot live that long."""
    seconds = int(expires_in.total_seconds())
    if not MIN_LINK_EXPIRY.total_seconds() <= seconds <= MAX_LINK_EXPIRY.total_seconds():
        raise ValueError(f"link expiry {expires_in} is outside what S3 can sign; expected 1 second to 7 days")
    return seconds


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    etag: str
    modified: float = 0.0  # epoch seconds (S3 LastModified or file mtime)


class ObjectStore:
    def __init__(self, url: str, endpoint_url: str | None = None, region: str | None = None):
        self.url = url
        parsed = urlparse(url)
        self.is_s3 = parsed.scheme == "s3"
        self.endpoint_url = endpoint_url or None
        self.region = region
        if self.is_s3:
            self.bucket = parsed.netloc
            self.prefix = parsed.path.strip("/")
        else:
            self.root = Path(url.removeprefix("file://")).expanduser()

    def _client(self):
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=self.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
            config=Config(signature_version="s3v4", retries={"max_attempts": 5, "mode": "standard"}),
        )

    def _s3_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def describe(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._s3_key(key)}" if self.is_s3 else str(self.root / key)

    def list(self, suffix: str = "", start_after: str | None = None) -> Iterator[StoredObject]:
        """Every object under the store (keys relative to it), sorted by key."""
        if self.is_s3:
            yield from self._list_s3(suffix, start_after)
            return
        if not self.root.exists():
            return
        for path in sorted(self.root.rglob(f"*{suffix}")):
            if path.is_file():
                key = path.relative_to(self.root).as_posix()
                if start_after is None or key > start_after:
                    stat = path.stat()
                    yield StoredObject(key, stat.st_size, f"{stat.st_size}-{stat.st_mtime_ns}", stat.st_mtime)

    def _list_s3(self, suffix: str, start_after: str | None) -> Iterator[StoredObject]:
        paginator = self._client().get_paginator("list_objects_v2")
        kwargs = {"Bucket": self.bucket, "Prefix": f"{self.prefix}/" if self.prefix else ""}
        if start_after:
            kwargs["StartAfter"] = self._s3_key(start_after)
        strip = len(kwargs["Prefix"])
        for page in paginator.paginate(**kwargs):
            for item in page.get("Contents", []):
                if item["Key"].endswith(suffix):
                    yield StoredObject(item["Key"][strip:], item["Size"], item["ETag"].strip('"'), item["LastModified"].timestamp())

    def read(self, key: str) -> bytes:
        if self.is_s3:
            return self._client().get_object(Bucket=self.bucket, Key=self._s3_key(key))["Body"].read()
        return (self.root / key).read_bytes()

    def write_file(self, key: str, source: Path) -> None:
        """Store a local file; S3 uploads above 8 MiB are multipart, an HTML page gets Content-Type
        text/html (``CONTENT_TYPES``); local writes are atomic."""
        if self.is_s3:
            from boto3.s3.transfer import TransferConfig

            config = TransferConfig(multipart_threshold=MULTIPART_THRESHOLD, multipart_chunksize=MULTIPART_THRESHOLD)
            content_type = CONTENT_TYPES.get(Path(key).suffix)
            extra = {"ExtraArgs": {"ContentType": content_type}} if content_type else {}
            self._client().upload_file(str(source), self.bucket, self._s3_key(key), Config=config, **extra)
            return
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".part") as tmp:
            with open(source, "rb") as src:
                shutil.copyfileobj(src, tmp)
        os.replace(tmp.name, target)

    def link(self, key: str, expires_in: timedelta) -> str:
        """A presigned SigV4 GET URL on S3; the absolute file path locally.

        The expiry is checked on both stores, so a report that works locally also works on S3."""
        seconds = check_link_expiry(expires_in)
        if self.is_s3:
            return self._client().generate_presigned_url(
                "get_object",
                Params={"Bucket": self.bucket, "Key": self._s3_key(key)},
                ExpiresIn=seconds,
            )
        return str((self.root / key).resolve())
