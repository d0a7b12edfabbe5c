"""The platform's views: sign-in, families, the admission office and school viewers."""
