# What openpyxl makes of a workbook, as JSON for sheets.Openpyxl: per sheet its name, autofilter range,
# frozen pane, column widths and every cell as [kind, value].
import datetime
import json
import sys

import openpyxl


def cell(c):
    if c.value is None:
        return ["empty", ""]
    if c.data_type == "f":
        return ["formula", str(c.value)]
    if c.is_date:
        v = c.value
        if isinstance(v, datetime.datetime) and v.time() == datetime.time(0):
            v = v.date()
        return ["date", v.isoformat()]
    if c.data_type == "n":
        return ["number", str(c.value)]
    if c.data_type in ("s", "inlineStr"):
        return ["text", c.value]
    return ["data type " + c.data_type, str(c.value)]


book = openpyxl.load_workbook(sys.argv[1])
out = []
for ws in book.worksheets:
    out.append({
        "Name": ws.title,
        "Filter": ws.auto_filter.ref or "",
        "Frozen": ws.freeze_panes or "",
        "Widths": {k: d.width for k, d in ws.column_dimensions.items() if d.customWidth},
        "Rows": [[cell(c) for c in row] for row in ws.iter_rows()],
    })
json.dump(out, sys.stdout)
