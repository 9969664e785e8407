"""Peiban's read side: folds of facts into views, kept current by following the log."""
