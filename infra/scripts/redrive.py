#!/usr/bin/env python3
"""Re-drives a stream consumer's dead-letter queue: each message there names a batch of the
table's stream that the function gave up on (DDBStreamBatchInfo: the shard and the first and
last sequence numbers). Its records are read again from the stream (kept 24 hours) and given to
the function, in order, 100 at a time; once the function took them all (no error, no record
reported failed) the message is deleted. Consumers are idempotent, so a record handled before is
handled again harmlessly. Run by infra/redrive.sh; endpoints can be pointed elsewhere for tests
(SQS_ENDPOINT, DYNAMODB_ENDPOINT, LAMBDA_ENDPOINT).

    redrive.py --queue QUEUE_NAME --function FUNCTION_NAME [--dry-run]
"""

import argparse
import datetime
import json
import os
import sys

import boto3

BATCH = 100
PAGES_MAX = 1000


def client(service, endpoint_env):
    endpoint = os.environ.get(endpoint_env) or None
    return boto3.client(service, endpoint_url=endpoint)


def plain(value):
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode()
    raise TypeError(f"cannot write {type(value)}")


def records_of(streams, info):
    """The stream's records from the batch's first sequence number to its last."""
    start, end = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
    iterator = streams.get_shard_iterator(
        StreamArn=info["streamArn"],
        ShardId=info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=info["startSequenceNumber"],
    )["ShardIterator"]
    found = []
    for _ in range(PAGES_MAX):
        if not iterator:
            break
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        for record in page["Records"]:
            seq = int(record["dynamodb"]["SequenceNumber"])
            if seq > end:
                return found
            if seq >= start:
                found.append(record)
        if found and int(found[-1]["dynamodb"]["SequenceNumber"]) >= end:
            return found
        if not page["Records"] and found:
            break
        iterator = page.get("NextShardIterator")
    return found


def invoke(functions, function, stream_arn, region, records):
    """Gives `records` to the function as the stream would; true when it took them all."""
    for i in range(0, len(records), BATCH):
        batch = [
            dict(r, eventSource="aws:dynamodb", eventSourceARN=stream_arn, awsRegion=region)
            for r in records[i : i + BATCH]
        ]
        payload = json.dumps({"Records": batch}, default=plain)
        answer = functions.invoke(FunctionName=function, Payload=payload.encode())
        body = answer["Payload"].read()
        if answer.get("FunctionError"):
            print(f"  the function failed: {body[:500]!r}", file=sys.stderr)
            return False
        failures = (json.loads(body or b"null") or {}).get("batchItemFailures") or []
        if failures:
            print(f"  the function reported records failed again: {failures}", file=sys.stderr)
            return False
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queue", required=True, help="the dead-letter queue's name")
    parser.add_argument("--function", required=True, help="the function to give the records")
    parser.add_argument("--dry-run", action="store_true", help="read and report; invoke nothing")
    args = parser.parse_args()

    sqs = client("sqs", "SQS_ENDPOINT")
    streams = client("dynamodbstreams", "DYNAMODB_ENDPOINT")
    functions = client("lambda", "LAMBDA_ENDPOINT")
    region = sqs.meta.region_name
    queue = sqs.get_queue_url(QueueName=args.queue)["QueueUrl"]
    redriven = kept = 0
    seen = set()
    while True:
        got = sqs.receive_message(
            QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=300
        ).get("Messages", [])
        fresh = [m for m in got if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen.add(message["MessageId"])
            info = json.loads(message["Body"]).get("DDBStreamBatchInfo")
            if not info:
                print(f"{message['MessageId']}: not a stream batch; left in the queue")
                kept += 1
                continue
            records = records_of(streams, info)
            print(
                f"{message['MessageId']}: shard {info['shardId']}, "
                f"{info['startSequenceNumber']}..{info['endSequenceNumber']}: {len(records)} records"
            )
            if not records:
                print("  none left in the stream (older than 24 hours?); left in the queue")
                kept += 1
                continue
            if args.dry_run:
                kept += 1
                continue
            if invoke(functions, args.function, info["streamArn"], region, records):
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
                redriven += 1
            else:
                kept += 1
    print(f"re-driven: {redriven}; left in the queue: {kept}")
    return 0 if kept == 0 or args.dry_run else 1


if __name__ == "__main__":
    sys.exit(main())
