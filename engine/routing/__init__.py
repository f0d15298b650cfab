"""The routing table (权责清单): which department handles what, kept as a DMN decision table."""
