"""Evidence: photos and documents attached to cases, stored once by SHA-256 and covered by the hash chain."""
