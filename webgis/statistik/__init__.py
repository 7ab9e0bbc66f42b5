"""Health and education counts per kelurahan (services/kelurahan_counts), for the roles each indicator declares."""
