"""eForms notices (UBL 2.3 + eForms extensions, TED since 2023, BOAMP's eForms JSON) → `NoticeRecord`.

`notice` is the entry point; `doc` indexes a notice by section, `contracts` turns awards into contracts,
`boamp_json` adapts BOAMP's JSON mirror of eForms, `values` holds small helpers shared with `ted.export`.
"""
