"""The civic loop's domain records: reporter contact, resolutions, assignments, ratings."""
