"""Where a site is and who hosts it, beyond the notices: sites found in notices or added by users, the main
text of disclosure pages, press articles as evidence, and DNS matched against the providers' IP ranges."""
