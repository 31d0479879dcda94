"""Scrapy commands of the project (`COMMANDS_MODULE`): `scrapy crawl` with the exit status the CLI gives."""
