"""Storage that the web layer runs on, apart from the read side's views: opening the stores and their keys,
the session and sign-in-limit tables, backup, restore, encryption in place, and scrubbing after an erasure.

Views of the log live in ``projections``; what is kept here is not derived from the log and is never rebuilt."""
