#!/usr/bin/env python3
"""Checks a SAF-T Cash Register file beyond its XSD, from the file's text alone.

    saft_check.py FILE PUBLIC_KEY.pem [PUBLIC_KEY.pem …]

(several keys: a file with several registers, each till signing with its own key; each
register's chain must verify with one of them throughout)

1. Every reference the schema means but does not enforce (its key XPaths lack the namespace):
   basicIDs unique across all types; eventType, transType, lineType, paymentType and every
   artGroupID name a basic of the right type; every empID an employee; every artID an
   article; reportIDs unique across X and Z reports; every event's transID a transaction;
   all of a register's events before its transactions.
2. The signature chain of each register, rebuilt from the exported fields
   (PREV;transDate;transTime;nr;transAmntIn;transAmntEx, PREV = 0 first), each signature
   verified with OpenSSL against the public key.
3. Each X and Z report's figures against sums recomputed here from the transactions it
   covers (found through the receipt events, which carry the journal order): total, returns,
   article groups, VAT per code, and cumulative grand totals; training transactions
   (trainingID true, with a TRAINREC event) only in the training figures and voided ones
   (voidTransaction true, a VOIDTRANS event, no payment) only in the void figures, never in sales.

Prints one line per problem and exits 1 if there are any; prints a summary otherwise.
"""
import base64
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from decimal import Decimal

NS = {"s": "urn:StandardAuditFile-Taxation-CashRegister:NO"}
problems = []


def t(element, name):
    child = element.find("s:" + name, NS)
    return None if child is None else (child.text or "")


def main(path, public_keys):
    root = ET.parse(path).getroot()
    company = root.find("s:company", NS)

    basics = {}
    for basic in company.findall("s:basics/s:basic", NS):
        basic_id, basic_type = t(basic, "basicID"), t(basic, "basicType")
        if basic_id in basics:
            problems.append(f"basicID {basic_id} is defined twice")
        basics[basic_id] = basic_type
    employees = {t(e, "empID") for e in company.findall("s:employees/s:employee", NS)}
    articles = {t(a, "artID") for a in company.findall("s:articles/s:article", NS)}

    def basic(value, basic_type, where):
        if value is None:
            return
        if basics.get(value) != basic_type:
            problems.append(f"{where}: {value} is not a basic of type {basic_type}")

    def employee(value, where):
        if value is not None and value not in employees:
            problems.append(f"{where}: empID {value} is not an employee")

    for article in company.findall("s:articles/s:article", NS):
        basic(t(article, "artGroupID"), "04", f"article {t(article, 'artID')}")

    report_ids = set()
    signatures = 0
    for register in company.findall("s:location/s:cashregister", NS):
        register_id = t(register, "registerID")
        children = [c.tag.split("}")[1] for c in register]
        if "cashtransaction" in children and "event" in children:
            last_event = max(i for i, c in enumerate(children) if c == "event")
            first_transaction = children.index("cashtransaction")
            if last_event > first_transaction:
                problems.append(f"register {register_id}: an event comes after a transaction")
        transactions = {}
        for transaction in register.findall("s:cashtransaction", NS):
            trans_id = t(transaction, "transID")
            if trans_id in transactions:
                problems.append(f"transID {trans_id} appears twice")
            transactions[trans_id] = transaction
            where = f"transaction {trans_id}"
            basic(t(transaction, "transType"), "11", where)
            employee(t(transaction, "empID"), where)
            for line in transaction.findall("s:ctLine", NS):
                basic(t(line, "lineType"), "05", where)
                basic(t(line, "artGroupID"), "04", where)
                employee(t(line, "empID"), where)
                if t(line, "artID") is not None and t(line, "artID") not in articles:
                    problems.append(f"{where}: artID {t(line, 'artID')} is not an article")
            for payment in transaction.findall("s:payment", NS):
                basic(t(payment, "paymentType"), "12", where)
                employee(t(payment, "empID"), where)

        # The chain, in the order of nr.
        ordered = sorted(transactions.values(), key=lambda x: int(t(x, "nr")))
        previous = "0"
        public_key = public_keys[0]
        with tempfile.TemporaryDirectory() as scratch:
            # The register's key: the one its first transaction verifies with.
            if ordered and len(public_keys) > 1:
                first = ordered[0]
                text = ";".join(["0", t(first, "transDate"), t(first, "transTime"), t(first, "nr"),
                                 t(first, "transAmntIn"), t(first, "transAmntEx")])
                with open(f"{scratch}/data", "wb") as f:
                    f.write(text.encode("utf-8"))
                with open(f"{scratch}/sig", "wb") as f:
                    f.write(base64.b64decode(t(first, "signature")))
                for key in public_keys:
                    result = subprocess.run(["openssl", "dgst", "-sha1", "-verify", key, "-signature", f"{scratch}/sig",
                                             f"{scratch}/data"], capture_output=True, text=True)
                    if result.returncode == 0 and "Verified OK" in result.stdout:
                        public_key = key
                        break
            for index, transaction in enumerate(ordered):
                nr = t(transaction, "nr")
                if index > 0 and int(nr) != int(t(ordered[index - 1], "nr")) + 1:
                    problems.append(f"register {register_id}: transaction {nr} does not follow {t(ordered[index - 1], 'nr')}")
                text = ";".join([previous, t(transaction, "transDate"), t(transaction, "transTime"), nr,
                                 t(transaction, "transAmntIn"), t(transaction, "transAmntEx")])
                signature = t(transaction, "signature")
                with open(f"{scratch}/data", "wb") as f:
                    f.write(text.encode("utf-8"))
                with open(f"{scratch}/sig", "wb") as f:
                    f.write(base64.b64decode(signature))
                result = subprocess.run(["openssl", "dgst", "-sha1", "-verify", public_key, "-signature", f"{scratch}/sig",
                                         f"{scratch}/data"], capture_output=True, text=True)
                if result.returncode != 0 or "Verified OK" not in result.stdout:
                    problems.append(f"register {register_id}: the signature of transaction {nr} does not verify over '{text}'")
                else:
                    signatures += 1
                previous = signature

        # Events, and the reports against the transactions they cover.
        covered = []
        copies = []
        training = []
        voids = []
        look_ups = 0
        grand = {"sales": Decimal("0"), "returns": Decimal("0")}
        for event in register.findall("s:event", NS):
            where = f"event {t(event, 'eventID')}"
            basic(t(event, "eventType"), "13", where)
            employee(t(event, "empID"), where)
            trans_id = t(event, "transID")
            if t(event, "eventType") == "PRICELOOKUP":
                look_ups += 1
            if t(event, "eventType") == "NOPRINTREC":
                # Names the sale's transaction; adds nothing to any figure.
                if trans_id is not None and trans_id not in transactions:
                    problems.append(f"{where}: a receipt not printed for no transaction ({trans_id})")
            elif t(event, "eventType") == "COPYREC":
                if trans_id not in transactions:
                    problems.append(f"{where}: a copy receipt of no transaction ({trans_id})")
                else:
                    copies.append(transactions[trans_id])
                    if t(transactions[trans_id], "receiptCopyNum") != "1":
                        problems.append(f"{where}: transaction {trans_id} was copied but its receiptCopyNum is not 1")
            elif trans_id is not None:
                if trans_id not in transactions:
                    problems.append(f"{where}: transID {trans_id} is not a transaction")
                elif (t(transactions[trans_id], "voidTransaction") == "true") != (t(event, "eventType") == "VOIDTRANS"):
                    problems.append(f"{where}: a {t(event, 'eventType')} event for transaction {trans_id}, whose voidTransaction is "
                                    f"{t(transactions[trans_id], 'voidTransaction')}")
                elif t(event, "eventType") == "VOIDTRANS":
                    # Voided: signed and exported, never paid, never a sale.
                    voids.append(transactions[trans_id])
                    if transactions[trans_id].find("s:payment", NS) is not None:
                        problems.append(f"{where}: voided transaction {trans_id} has a payment")
                elif (t(transactions[trans_id], "trainingID") == "true") != (t(event, "eventType") == "TRAINREC"):
                    problems.append(f"{where}: a {t(event, 'eventType')} event for transaction {trans_id}, whose trainingID is "
                                    f"{t(transactions[trans_id], 'trainingID')}")
                elif t(event, "eventType") == "TRAINREC":
                    # Training: signed and exported, never a sale.
                    training.append(transactions[trans_id])
                else:
                    transaction = transactions[trans_id]
                    covered.append(transaction)
                    amount = Decimal(t(transaction, "transAmntIn"))
                    if amount >= 0:
                        grand["sales"] += amount
                    else:
                        grand["returns"] -= amount
            report = event.find("s:eventReport", NS)
            if report is None:
                continue
            report_id = t(report, "reportID")
            if report_id in report_ids:
                problems.append(f"reportID {report_id} is used twice")
            report_ids.add(report_id)
            check_report(report, covered, grand, report_id, basic, employee)
            if Decimal(t(report, "reportReceiptCopyNum")) != len(copies):
                problems.append(f"report {report_id}: reportReceiptCopyNum is {t(report, 'reportReceiptCopyNum')}, the copy events make {len(copies)}")
            copy_amount = sum((Decimal(t(x, "transAmntIn")) for x in copies), Decimal("0"))
            if Decimal(t(report, "reportReceiptCopyAmnt")) != copy_amount:
                problems.append(f"report {report_id}: reportReceiptCopyAmnt is {t(report, 'reportReceiptCopyAmnt')}, the copies make {copy_amount}")
            count_and_amount(report, "reportTrainingNum", "reportTrainingAmnt", training, "the training receipts", report_id)
            inquiries = sum(int(t(x, "priceInquiryNum")) for x in report.findall("s:reportPriceInquiries/s:reportPriceInquiry", NS))
            if inquiries != look_ups:
                problems.append(f"report {report_id}: {inquiries} price inquiries, the PRICELOOKUP events make {look_ups}")
            for row in report.findall("s:reportPriceInquiries/s:reportPriceInquiry", NS):
                if t(row, "priceInquiryGroup") != "None":
                    basic(t(row, "priceInquiryGroup"), "04", f"report {report_id}")
            count_and_amount(report, "reportVoidTransNum", "reportVoidTransAmnt", voids, "the voided transactions", report_id)
            if t(report, "reportType") == "Z report":
                covered = []
                copies = []
                training = []
                voids = []
                look_ups = 0
    total = sum(len(r.findall("s:cashtransaction", NS)) for r in company.findall("s:location/s:cashregister", NS))
    for problem in problems:
        print(problem)
    if problems:
        sys.exit(1)
    print(f"ok: {total} transactions, {signatures} signatures verified, {len(report_ids)} reports checked")


def count_and_amount(report, num_name, amount_name, transactions, what, report_id):
    """A report's count and amount of some transactions (training, voids) against those transactions."""
    wanted = (len(transactions), sum((Decimal(t(x, "transAmntIn")) for x in transactions), Decimal("0")))
    if (Decimal(t(report, num_name)), Decimal(t(report, amount_name))) != wanted:
        problems.append(f"report {report_id}: {num_name} / {amount_name} are {t(report, num_name)} / {t(report, amount_name)}, "
                        f"{what} make {wanted[0]} / {wanted[1]}")


def check_report(report, covered, grand, report_id, basic, employee):
    def expect(name, actual, wanted):
        if Decimal(actual) != Decimal(wanted):
            problems.append(f"report {report_id}: {name} is {actual}, the transactions make {wanted}")

    total = sum((Decimal(t(x, "transAmntIn")) for x in covered), Decimal("0"))
    expect("totalCashSaleAmnt", t(report.find("s:reportTotalCashSales", NS), "totalCashSaleAmnt"), total)
    returns = [x for x in covered if Decimal(t(x, "transAmntIn")) < 0]
    expect("reportReturnNum", t(report, "reportReturnNum"), len(returns))
    expect("reportReturnAmnt", t(report, "reportReturnAmnt"), -sum((Decimal(t(x, "transAmntIn")) for x in returns), Decimal("0")))
    expect("reportReceiptNum", t(report, "reportReceiptNum"), len(covered) - len(returns))
    groups = {}
    for transaction in covered:
        for line in transaction.findall("s:ctLine", NS):
            groups[t(line, "artGroupID")] = groups.get(t(line, "artGroupID"), Decimal("0")) + Decimal(t(line, "lineAmntIn"))
    for row in report.findall("s:reportArtGroups/s:reportArtGroup", NS):
        basic(t(row, "artGroupID"), "04", f"report {report_id}")
        expect(f"artGroupAmnt {t(row, 'artGroupID')}", t(row, "artGroupAmnt"), groups.pop(t(row, "artGroupID"), Decimal("0")))
    for group, amount in groups.items():
        if amount != 0:
            problems.append(f"report {report_id}: article group {group} ({amount}) is missing")
    for row in report.findall("s:reportEmpArtGroups/s:reportEmpArtGroup", NS):
        employee(t(row, "empID"), f"report {report_id}")
        basic(t(row, "artGroupID"), "04", f"report {report_id}")
    for row in report.findall("s:reportPayments/s:reportPayment", NS):
        basic(t(row, "paymentType"), "12", f"report {report_id}")
    for row in report.findall("s:reportEmpPayments/s:reportEmpPayment", NS):
        employee(t(row, "empID"), f"report {report_id}")
        basic(t(row, "paymentType"), "12", f"report {report_id}")
    vat = {}
    for transaction in covered:
        for line in transaction.findall("s:vat", NS):
            vat[t(line, "vatCode")] = vat.get(t(line, "vatCode"), Decimal("0")) + Decimal(t(line, "vatAmnt"))
    for row in report.findall("s:reportCashSalesVat/s:reportCashSaleVat", NS):
        expect(f"vatAmnt {t(row, 'vatCode')}", t(row, "vatAmnt"), vat.pop(t(row, "vatCode"), Decimal("0")))
    for code, amount in vat.items():
        if amount != 0:
            problems.append(f"report {report_id}: VAT code {code} ({amount}) is missing")
    expect("reportGrandTotalSales", t(report, "reportGrandTotalSales"), grand["sales"])
    expect("reportGrandTotalReturn", t(report, "reportGrandTotalReturn"), grand["returns"])
    expect("reportGrandTotalSalesNet", t(report, "reportGrandTotalSalesNet"), grand["sales"] - grand["returns"])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
