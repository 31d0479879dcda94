"""TED spiders: daily packages (`ted`, the default route for date ranges) and the Search API (`ted_api`).

- `calendar`: the OJ S release calendar and `package_units`, the packages a date range needs;
- `packages`: the packages spider (downloads, on-disk cache, retries, one ledger window per package);
- `api`: search, then one download per notice; for narrow queries (`crawl ted --via api`).
Reading the packages' members is `soustrace.parsers.ted.package`.
"""
