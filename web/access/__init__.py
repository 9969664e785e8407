"""Accounts, sign-in, sessions, tokens, the access policy and the read audit."""
