"""Month-end reporting: statements, variances, the 13-week cash forecast and drafted commentary.

A pure kernel: every function here works on immutable values read from the ledger beforehand
(`tools.reports.model.LedgerSnapshot`, built by `memory.report_queries`), so a report can be
recomputed from what was read, and tested with hand-built ledgers. Nothing here touches the
database, the network or the command line.

* `statements`  profit and loss, balance sheet, cash position, revenue and margin trend
* `aged`        aged receivables and payables
* `gst`         the GST summary for the BAS (G1, 1A, 1B; W1, W2)
* `variance`    material changes against the prior month, the same month last year and a budget,
                with their drivers (account, supplier, customer, pay runs)
* `forecast`    the 13-week rolling cash forecast (`recurring` learns the repeating items)
* `facts`       the commentary's facts, computed first; `narrative` the offline prose from them
* `numbers`     finds every number in a draft and traces it to a fact; checks direction words
* `llm_commentary` drafts the prose with a model, checked by `numbers`, else the offline text
* `report`      assembles the monthly report; `render_json`, `render_html`, `render_pdf`, `charts`
* `tool`        the agent tool `draft_commentary`
"""
