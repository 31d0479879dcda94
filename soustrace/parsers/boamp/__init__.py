"""BOAMP notices (API `donnees` V110/V230/V240, DILA XML, national simplified forms) → `NoticeRecord`.

`notice` is the entry point; the other modules each read one part of a notice (envelope, legacy `donnees`,
national forms, winners and their roles, values).
"""
