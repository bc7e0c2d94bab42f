"""Administrative regions of Indonesia (province, regency, district, village), Kemendagri codes."""
