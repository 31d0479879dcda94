"""The data model: every answer traces back to a notice or document through Evidence rows."""

from soustrace.models.answers import DataGeneration, HostingAnswer
from soustrace.models.base import Base
from soustrace.models.contract import Contract, PartyRole
from soustrace.models.crawl import CrawlWindow, Reject, SiteVisitRecord
from soustrace.models.notice import Document, Notice, NoticeLinkRow, NoticeRevision
from soustrace.models.organization import OrgAlias, Organization, Site
from soustrace.models.provider import Provider
from soustrace.models.relation import Evidence, Relation
from soustrace.models.summary import OrgContractSummary

__all__ = [
    "Base", "Contract", "CrawlWindow", "DataGeneration", "Document", "Evidence", "HostingAnswer", "Notice",
    "NoticeLinkRow", "NoticeRevision", "OrgAlias", "OrgContractSummary", "Organization", "PartyRole", "Provider",
    "Reject", "Relation", "Site", "SiteVisitRecord",
]
