"""Port contract suites: host applications subclass them to test their own adapters."""
