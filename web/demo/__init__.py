"""The demo: a companionship programme's story loaded into an empty store, and bulk synthetic data for load tests."""
