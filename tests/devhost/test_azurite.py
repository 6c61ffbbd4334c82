from azure.data.tables import TableServiceClient
from azure.storage.queue import QueueClient


def test_azurite_serves_queues_and_tables(storage_connection_string: str) -> None:
    queue = QueueClient.from_connection_string(storage_connection_string, "smoke")
    queue.create_queue()
    queue.send_message("hello")
    assert [m.content for m in queue.receive_messages()] == ["hello"]
    tables = TableServiceClient.from_connection_string(storage_connection_string)
    table = tables.create_table_if_not_exists("smoke")
    table.upsert_entity({"PartitionKey": "p", "RowKey": "r", "value": 1})
    assert table.get_entity("p", "r")["value"] == 1
