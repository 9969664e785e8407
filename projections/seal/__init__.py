"""The seal: a hash chain over the log as stored, and signed checkpoints an auditor can keep off the server.

The chain hashes each fact's stored bytes (topic, originator, version, state, position),
never the decoded fact, so that whatever the mapper does to the state (compression,
encryption with a family's key) the chain is the same, and stays verifiable after a
family's key is destroyed.
"""
