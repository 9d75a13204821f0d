"""The imports bucket as the extract sees it: the upload, its chunks, and its rejection.

Every write here gives the same result when repeated, so a retried extract, or the same
upload delivered twice, leaves the bucket as one run would have.
"""

import json
from collections.abc import Iterator
from typing import Any

from botocore.exceptions import ClientError

from inventory_extract.logic import ChunkRef, ChunkRow, ImportRequest, chunk_key

READ_CHUNK_BYTES = 64 * 1024
MISSING_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404"})


def _is_missing(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") in MISSING_CODES


def _quoted(etag: str) -> str:
    """S3 events carry the ETag bare; the HTTP precondition headers expect it quoted."""
    return '"' + etag.strip('"') + '"'


class ImportFiles:
    def __init__(self, s3: Any, bucket: str) -> None:
        self._s3 = s3
        self._bucket = bucket

    def lines(self, request: ImportRequest) -> Iterator[bytes] | None:
        """The upload's lines, streamed (endings stripped); None if the object is gone.

        The read is pinned to the upload the event announced (its version, else its ETag): the
        import id stands for those bytes, so a newer upload under the same name must not be
        read in their place (it has its own event and its own import).
        """
        pin = {"VersionId": request.version} if request.version else {}
        if not request.version and request.etag:
            pin = {"IfMatch": _quoted(request.etag)}
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=request.key, **pin)
        except ClientError as error:
            if _is_missing(error):
                return None
            raise
        lines: Iterator[bytes] = response["Body"].iter_lines(chunk_size=READ_CHUNK_BYTES)
        return lines

    def write_chunks(self, import_id: str, chunks: list[list[ChunkRow]]) -> list[ChunkRef]:
        """Write each chunk as a JSON list under ``work/<importId>/``; overwriting is harmless
        because the same upload always gives the same chunks."""
        refs: list[ChunkRef] = []
        for index, rows in enumerate(chunks):
            key = chunk_key(import_id, index)
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=json.dumps(rows, separators=(",", ":")).encode(),
                ContentType="application/json",
            )
            refs.append({"key": key, "index": index})
        return refs

    def reject(self, request: ImportRequest, report: dict[str, Any]) -> None:
        """Move the upload under ``rejected/`` next to its report.

        The order makes a retry safe at every step: the copy, then the report (so a report
        means the copy is there), then the delete (so the original goes only once both are
        written). Interrupted anywhere, the next attempt still finds the original and redoes
        it; after the delete it finds the report (``previous_report``).
        """
        source: dict[str, str] = {"Bucket": self._bucket, "Key": request.key}
        pin = {}
        if request.version:
            source["VersionId"] = request.version
        elif request.etag:
            pin = {"CopySourceIfMatch": _quoted(request.etag)}
        self._s3.copy_object(
            Bucket=self._bucket, Key=request.rejected_key, CopySource=source, **pin
        )
        self._s3.put_object(
            Bucket=self._bucket,
            Key=request.report_key,
            Body=json.dumps(report, indent=2).encode(),
            ContentType="application/json",
        )
        self._s3.delete_object(Bucket=self._bucket, Key=request.key)

    def previous_report(self, request: ImportRequest) -> dict[str, Any] | None:
        """The rejection report an earlier attempt wrote for this upload, if any."""
        try:
            response = self._s3.get_object(Bucket=self._bucket, Key=request.report_key)
        except ClientError as error:
            if _is_missing(error):
                return None
            raise
        report: dict[str, Any] = json.loads(response["Body"].read())
        return report
