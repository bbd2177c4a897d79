"""Puts in a dead-letter queue (SQS on moto's server) what the fan-out function's event source
mapping would put there after giving up on a batch: the DDBStreamBatchInfo of the stream record
of the item at pk/sk (DynamoDB Local's stream of the table).

    dead_letter.py TABLE PK SK QUEUE
"""

import json
import os
import sys

import boto3

table, pk, sk, queue = sys.argv[1:5]
ddb_endpoint = os.environ["DYNAMODB_ENDPOINT"]
arn = boto3.client("dynamodb", endpoint_url=ddb_endpoint).describe_table(TableName=table)["Table"][
    "LatestStreamArn"
]
streams = boto3.client("dynamodbstreams", endpoint_url=ddb_endpoint)
found = None
for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    while iterator and not found:
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        for record in page["Records"]:
            keys = record["dynamodb"]["Keys"]
            if keys["pk"]["S"] == pk and keys["sk"]["S"] == sk and record["eventName"] == "INSERT":
                found = (shard["ShardId"], record["dynamodb"]["SequenceNumber"])
                break
        if not page["Records"]:
            break
        iterator = page.get("NextShardIterator")
if not found:
    sys.exit(f"no stream record of {pk} {sk}")
shard, sequence = found
sqs = boto3.client("sqs", endpoint_url=os.environ["SQS_ENDPOINT"])
url = sqs.create_queue(QueueName=queue)["QueueUrl"]
sqs.send_message(
    QueueUrl=url,
    MessageBody=json.dumps(
        {
            "requestContext": {
                "requestId": "a-failed-batch",
                "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:sideline-test-fanout",
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": 6,
            },
            "version": "1.0",
            "DDBStreamBatchInfo": {
                "shardId": shard,
                "startSequenceNumber": sequence,
                "endSequenceNumber": sequence,
                "approximateArrivalOfFirstRecord": "2026-12-04T00:00:00Z",
                "approximateArrivalOfLastRecord": "2026-12-04T00:00:00Z",
                "batchSize": 1,
                "streamArn": arn,
            },
        }
    ),
)
print(f"{shard} {sequence}")
