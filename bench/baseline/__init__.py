"""The straightforward implementations: sequential typed msgraph-sdk calls, one request per item."""
