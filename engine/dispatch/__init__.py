"""Dispatch as street offices run it (issue 14): the routing table's suggestion, direct dispatch, 吹哨报到 with
a lead and co-departments, returns, extensions and urging. Sits on the generic case layer, which never imports it."""
