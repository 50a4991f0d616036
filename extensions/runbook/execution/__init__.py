"""Running a plan: transports, the runner, verification, journal, events and their readers."""
