"""Peiban's delivery layer: the Flask app factory, its pages, the CLI, and configuration."""
