"""Joint meetings (联席会议): member units, the monthly cadence, attendance, resolutions tracked to execution,
minutes approved by the chair and published on the notice board (issue 22)."""
