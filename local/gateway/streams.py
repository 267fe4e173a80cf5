"""DynamoDB Streams -> the function, as Lambda's event source mapping does it in the cloud.

Discovery (every --discover-interval, and at once when a shard ends or a call fails): the followed
tables (each `--stream TABLE=FUNCTION`) that have a stream enabled, their `LatestStreamArn`, and each stream's
shards (DescribeStream). Streams and open shards found on the first successful look start "now", as
LATEST would (what existed before the gateway started is not replayed); closed shards found then are
skipped; anything found later is new since the start and is read from its beginning. A child shard is
read only after its parent is finished, so each item's changes arrive in order.

"Now" is not asked of DynamoDB as a LATEST iterator: in DynamoDB Local any iterator taken on an empty
shard (LATEST and TRIM_HORIZON alike) fails with TrimmedDataAccessException once its first record
arrives, whenever other tables' writes moved the shared sequence counter on meanwhile. So a reader
always starts at TRIM_HORIZON and, for a shard that existed at the start, skips the records already
there; its position afterwards is AFTER_SEQUENCE_NUMBER of the last record read, or TRIM_HORIZON while
it has read none (then the shard was empty at the start and everything in it is new).

Each shard has one reader: GetRecords (at most --batch-size records), then one invocation of the
table's function with `{"Records": [...]}`; polls again after --poll-interval when nothing was new. The function answers
`{"batchItemFailures": [{"itemIdentifier": "<SequenceNumber>"}]}`: the batch is retried from the
first failed record, and a failed invocation retries the whole batch, with a doubling back-off (capped)
and without ever dropping a record; the shard waits meanwhile, so nothing overtakes.

DynamoDB errors (DynamoDB Local stopped, restarting, slow) are logged and retried with back-off. A
reader keeps its shard iterator through an outage; if DynamoDB no longer accepts it afterwards, the
reader repositions after the last record it read, so records read before the outage are not
delivered twice.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from events import stream_record
from invoke import InvokeError, Invoker
from settings import Settings

log = logging.getLogger("gateway.streams")

# DynamoDB calls are cheap locally: while it is away, try again at least every second, so records
# flow again within about a second of its return.
DYNAMODB_RETRY_CAP = 1.0

# Error codes that mean "this iterator is no longer usable; ask for a new one" (ValidationException:
# DynamoDB Local's answer to an iterator it cannot decode, e.g. one from before a restart).
ITERATOR_ERRORS = {"ExpiredIteratorException", "TrimmedDataAccessException", "ValidationException"}


class Backoff:
    """0.25 s, 0.5 s, 1 s, ... up to `cap`; reset() after a success."""

    def __init__(self, cap: float, first: float = 0.25) -> None:
        self.cap = cap
        self.first = first
        self.failures = 0

    def reset(self) -> None:
        self.failures = 0

    async def sleep(self) -> None:
        delay = min(self.cap, self.first * 2 ** self.failures)
        self.failures += 1
        await asyncio.sleep(delay)


def _error_code(err: Exception) -> str:
    if isinstance(err, ClientError):
        return str(err.response.get("Error", {}).get("Code", ""))
    return ""


class Aws:
    """The blocking boto3 clients, called from a thread pool so the event loop never waits on them.

    Short timeouts and no SDK retries: the callers retry with their own back-off, so a stopped
    DynamoDB costs about a second per attempt, not the SDK's default minutes.
    """

    def __init__(self, settings: Settings) -> None:
        config = Config(
            connect_timeout=1, read_timeout=5, retries={"max_attempts": 1, "mode": "standard"},
            max_pool_connections=32,
        )
        session = boto3.session.Session(region_name=settings.region)
        self.dynamodb = session.client("dynamodb", endpoint_url=settings.dynamodb_endpoint, config=config)
        self.streams = session.client("dynamodbstreams", endpoint_url=settings.dynamodb_endpoint, config=config)
        self._pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="aws")

    async def call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, lambda: method(**kwargs))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


@dataclass
class Shard:
    stream: "Stream"
    shard_id: str
    skip_existing: bool  # the shard existed at the start: skip what is in it at the first read
    parent: "Shard | None"
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    last_sequence: str | None = None  # of the last record read (and so delivered)
    task: asyncio.Task | None = None


@dataclass
class Stream:
    arn: str
    table: str
    invoker: Invoker  # of the function the table's records go to
    initial: bool  # found on the gateway's first look: its shards then existing are read from "now"
    shards: dict[str, Shard] = field(default_factory=dict)


class StreamPoller:
    def __init__(self, settings: Settings, invokers: dict[str, Invoker], aws: Aws) -> None:
        self.settings = settings
        self.invokers = invokers  # by function name
        self.aws = aws
        self.streams: dict[str, Stream] = {}
        self._looked_once = False
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Asks for a look at the tables and shards now rather than at the next interval."""
        self._wake.set()

    # -- discovery ----------------------------------------------------------------------------------

    async def run(self) -> None:
        backoff = Backoff(DYNAMODB_RETRY_CAP)
        try:
            while True:
                try:
                    await self._discover()
                except (BotoCoreError, ClientError) as err:
                    if backoff.failures == 0:  # once per outage, not once a second
                        log.warning("looking for streams failed (retrying until it works): %s", err)
                    await backoff.sleep()
                    continue
                if backoff.failures:
                    log.info("DynamoDB answers again (after %d failed looks)", backoff.failures)
                    backoff.reset()
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), self.settings.discover_interval)
                except TimeoutError:
                    pass
        finally:
            await self._stop_readers()

    async def _stream_arn(self, table: str) -> str | None:
        try:
            description = (await self.aws.call(self.aws.dynamodb.describe_table, TableName=table))["Table"]
        except ClientError as err:
            if _error_code(err) == "ResourceNotFoundException":
                return None
            raise
        spec = description.get("StreamSpecification") or {}
        return description.get("LatestStreamArn") if spec.get("StreamEnabled") else None

    async def _discover(self) -> None:
        initial = not self._looked_once
        current: dict[str, str] = {}
        for table in sorted(self.settings.streams):
            arn = await self._stream_arn(table)
            if arn:
                current[arn] = table
        for arn, table in current.items():
            if arn not in self.streams:
                function = self.settings.streams[table]
                self.streams[arn] = Stream(arn=arn, table=table, invoker=self.invokers[function], initial=initial)
                log.info("following the stream of %s (%s) from %s for %s", table, arn,
                         "now on" if initial else "its start", function)
        for arn in list(self.streams):
            if arn not in current:
                log.info("the stream of %s is gone: %s", self.streams[arn].table, arn)
                await self._drop(self.streams.pop(arn))
        for stream in list(self.streams.values()):
            await self._discover_shards(stream)
        self._looked_once = True

    async def _discover_shards(self, stream: Stream) -> None:
        shards: list[dict[str, Any]] = []
        start: str | None = None
        while True:
            kwargs: dict[str, Any] = {"StreamArn": stream.arn}
            if start:
                kwargs["ExclusiveStartShardId"] = start
            try:
                description = (await self.aws.call(self.aws.streams.describe_stream, **kwargs))["StreamDescription"]
            except ClientError as err:
                if _error_code(err) == "ResourceNotFoundException":
                    return  # the table went away; the next look drops the stream
                raise
            shards.extend(description.get("Shards", []))
            start = description.get("LastEvaluatedShardId")
            if not start:
                break
        found: list[tuple[Shard, dict[str, Any]]] = []
        for info in shards:
            if info["ShardId"] not in stream.shards:
                shard = Shard(stream=stream, shard_id=info["ShardId"], parent=None, skip_existing=stream.initial)
                stream.shards[shard.shard_id] = shard
                found.append((shard, info))
        for shard, info in found:  # parents first registered, so any order of the listing works
            shard.parent = stream.shards.get(info.get("ParentShardId") or "")
            closed = "EndingSequenceNumber" in info.get("SequenceNumberRange", {})
            if stream.initial and closed:
                shard.finished.set()  # ended before the gateway started: nothing new in it
                continue
            log.info("reading shard %s of %s from %s", shard.shard_id, stream.table,
                     "now on" if shard.skip_existing else "its start")
            shard.task = asyncio.create_task(self._read(shard), name=f"shard {shard.shard_id}")
        # Shards found after the first look of this stream are new: read them from their start.
        stream.initial = False

    async def _drop(self, stream: Stream) -> None:
        tasks = [s.task for s in stream.shards.values() if s.task and not s.task.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _stop_readers(self) -> None:
        for stream in list(self.streams.values()):
            await self._drop(stream)

    # -- one shard ----------------------------------------------------------------------------------

    async def _iterator(self, shard: Shard) -> str:
        kwargs: dict[str, Any] = {"StreamArn": shard.stream.arn, "ShardId": shard.shard_id}
        if shard.last_sequence:
            kwargs.update(ShardIteratorType="AFTER_SEQUENCE_NUMBER", SequenceNumber=shard.last_sequence)
        else:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        return (await self.aws.call(self.aws.streams.get_shard_iterator, **kwargs))["ShardIterator"]

    async def _read(self, shard: Shard) -> None:
        if shard.parent is not None:
            await shard.parent.finished.wait()
        backoff = Backoff(DYNAMODB_RETRY_CAP)
        iterator: str | None = None
        skipping = shard.skip_existing  # until the first read that finds nothing more
        repositioned = False  # a rejected iterator is replaced at once, once; then with back-off
        try:
            while True:
                try:
                    if iterator is None:
                        iterator = await self._iterator(shard)
                    page = await self.aws.call(self.aws.streams.get_records, ShardIterator=iterator,
                                               Limit=self.settings.batch_size)
                    repositioned = False
                    if backoff.failures:
                        log.info("shard %s: reading again", shard.shard_id)
                        backoff.reset()
                except ClientError as err:
                    code = _error_code(err)
                    if code == "ResourceNotFoundException":
                        # Gone for good (the table was deleted: the next look drops the stream and
                        # cancels this reader) or for a moment (DynamoDB Local restarting).
                        if backoff.failures == 0:
                            log.warning("shard %s of %s not found (retrying): %s", shard.shard_id, shard.stream.table, err)
                        iterator = None
                        self.wake()
                    elif code in ITERATOR_ERRORS:
                        log.info("shard %s: new iterator needed (%s)", shard.shard_id, code)
                        iterator = None
                        if not repositioned:
                            repositioned = True
                            continue
                    elif backoff.failures == 0:
                        log.warning("shard %s: GetRecords failed (retrying): %s", shard.shard_id, err)
                    await backoff.sleep()
                    continue
                except BotoCoreError as err:  # cannot connect, timed out: keep the iterator
                    if backoff.failures == 0:
                        log.warning("shard %s: DynamoDB unavailable (retrying): %s", shard.shard_id, err)
                    self.wake()
                    await backoff.sleep()
                    continue

                records = page.get("Records", [])
                if records and skipping:
                    log.info("shard %s: skipped %d record(s) written before the start", shard.shard_id, len(records))
                elif records:
                    await self._deliver(shard, records)
                else:
                    skipping = False
                if records:
                    shard.last_sequence = records[-1]["dynamodb"]["SequenceNumber"]
                iterator = page.get("NextShardIterator")
                if iterator is None:
                    log.info("shard %s of %s is finished", shard.shard_id, shard.stream.table)
                    return
                if not records:
                    await asyncio.sleep(self.settings.poll_interval)
        finally:
            shard.finished.set()
            self.wake()  # a child shard may be waiting to be found

    async def _deliver(self, shard: Shard, raw_records: list[dict[str, Any]]) -> None:
        """Invokes the function until every record is processed; never drops one."""
        pending = [stream_record(r, stream_arn=shard.stream.arn, region=self.settings.region) for r in raw_records]
        backoff = Backoff(self.settings.max_retry_delay)
        while pending:
            try:
                result = await shard.stream.invoker.invoke({"Records": pending})
                failed_at = first_failure(result, pending)
            except InvokeError as err:
                log.warning("%d record(s) of %s: %s", len(pending), shard.stream.table, err)
                failed_at = 0
            if failed_at is None:
                return
            log.warning("%s: retrying %d of %d record(s) from sequence number %s (attempt %d)",
                        shard.stream.table, len(pending) - failed_at, len(pending),
                        pending[failed_at]["dynamodb"]["SequenceNumber"], backoff.failures + 1)
            pending = pending[failed_at:]
            await backoff.sleep()


def first_failure(result: Any, records: list[dict[str, Any]]) -> int | None:
    """Index of the first record to retry, from the function's partial batch response (None: all done).

    As with Lambda's ReportBatchItemFailures: an empty or missing `batchItemFailures` means success;
    the retry starts at the lowest reported sequence number; a failure naming no record of the batch
    (or a response that is not the documented shape) fails the whole batch.
    """
    if result is None:
        return None
    if not isinstance(result, dict):
        return 0
    failures = result.get("batchItemFailures")
    if not failures:
        return None
    if not isinstance(failures, list):
        return 0
    position = {r["dynamodb"]["SequenceNumber"]: i for i, r in enumerate(records)}
    indexes = []
    for failure in failures:
        identifier = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if identifier not in position:
            return 0
        indexes.append(position[identifier])
    return min(indexes)
