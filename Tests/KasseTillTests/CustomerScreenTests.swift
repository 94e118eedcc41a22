import KasseCore
import KasseLanguage
import KasseTill
import Testing
import VippsModels
import KasseJournal

/// The customer display: what the customer sees of each moment of a sale (derived from the
/// till's real state, through the reducer), and every screen as text at 40×12 and 80×24.
struct CustomerScreenTests {
    static let small = TerminalSize(columns: 40, rows: 12)
    static let large = TerminalSize(columns: 80, rows: 24)

    /// A sale from the till's side, and the customer's view at each step.
    static func scenes(_ language: Language) throws -> [(String, CustomerView)] {
        var scenes: [(String, CustomerView)] = []
        var till = TillDriver.forScreens()
        till.state.settings.language = language
        scenes.append(("welcome", CustomerView(till.state)))
        till.type("3*7040000000016")
        till.type("4001")
        till.type("0,734")
        scenes.append(("shopping", CustomerView(till.state)))
        var product = till
        product.apply(.scanned(text: "7040000000016", device: "kiosk", role: .kiosk))
        scenes.append(("scan-product-code", CustomerView(product.state)))
        var partial = till
        partial.apply(.scanned(text: "https://qr.vipps.no/28/2/01/031/47", device: "kiosk", role: .kiosk))
        scenes.append(("scan-partial", CustomerView(partial.state)))
        var other = till
        other.apply(.scanned(text: "https://www.example.no/tilbud", device: "kiosk", role: .kiosk))
        scenes.append(("scan-not-personal", CustomerView(other.state)))
        var garbage = till
        garbage.apply(.scanned(text: "\u{1B}[2~x#", device: "kiosk", role: .kiosk))
        scenes.append(("scan-unreadable", CustomerView(garbage.state)))
        till.apply(.scanned(text: "https://qr.vipps.no/28/2/01/031/4791234567?v=1", device: "kiosk", role: .kiosk))
        scenes.append(("customer-set", CustomerView(till.state)))
        let request = try #require(till.send(.keyPressed(.function(4))).first?.paymentRequest)
        scenes.append(("working", CustomerView(till.state)))
        till.apply(.paymentCreated(reference: request.reference))
        till.apply(.ticked(Fixture.start + .seconds(75)))
        scenes.append(("approve", CustomerView(till.state)))
        var again = till
        again.apply(.scanned(text: "https://qr.vipps.no/28/2/01/031/4791234567?v=1", device: "kiosk", role: .kiosk))
        scenes.append(("approve-scanned-again", CustomerView(again.state)))
        var declined = till
        declined.apply(.paymentUpdated(reference: request.reference, state: .ABORTED, aggregate: .zero(.NOK)))
        scenes.append(("declined", CustomerView(declined.state)))
        var expired = till
        expired.apply(.paymentUpdated(reference: request.reference, state: .EXPIRED, aggregate: .zero(.NOK)))
        scenes.append(("expired", CustomerView(expired.state)))
        var paid = till
        var aggregate = Aggregate.zero(.NOK)
        aggregate.authorizedAmount = Amount(currency: .NOK, value: request.amount.value)
        aggregate.capturedAmount = aggregate.authorizedAmount
        paid.apply(.captured(reference: request.reference, aggregate: aggregate))
        scenes.append(("paid", CustomerView(paid.state)))
        // The shop's QR code on screen (the QR fallback).
        var qr = CustomerView(till.state)
        if case .approveInApp(let amount, let seconds) = qr.phase {
            qr.phase = .scanOurCode(url: "https://qr.vipps.no/v1?token=5f2c0c1b9a8e4d7f0a1b2c3d4e5f6071", amount: amount, secondsLeft: seconds)
        }
        scenes.append(("scan-our-code", qr))
        // A long bill: the newest lines, the total always in sight; training said plainly.
        var long = TillDriver.forScreens()
        long.state.settings.language = language
        for code in ["1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008", "1009", "1010", "1011", "1012", "1013", "1014"] { long.type(code) }
        long.state.training = true
        scenes.append(("long-bill-training", CustomerView(long.state)))
        scenes.append(("closed", CustomerView.closed(shopName: "Kasse Demo", language: language.code)))
        return scenes
    }

    @Test func everyCustomerScreenAt40x12And80x24() throws {
        for language in [Language.norwegian, .english] {
            for (name, view) in try Self.scenes(language) {
                #expect(view.language == language.code)
                assertSnapshot(CustomerScreen.render(view, size: Self.small), named: "customer-\(name)-\(language.code)-40x12")
                assertSnapshot(CustomerScreen.render(view, size: Self.large), named: "customer-\(name)-\(language.code)-80x24")
            }
        }
        // Danish and Finnish: the moments a customer reads most.
        for language in [Language.danish, .finnish] {
            for (name, view) in try Self.scenes(language) where ["shopping", "approve", "paid", "scan-product-code"].contains(name) {
                assertSnapshot(CustomerScreen.render(view, size: Self.small), named: "customer-\(name)-\(language.code)-40x12")
            }
        }
    }

    @Test func theViewHoldsNothingOnlyTheCashierMaySee() throws {
        var till = TillDriver()
        till.type("1001")
        till.apply(.scanned(text: "https://qr.vipps.no/28/2/01/031/4791234567?v=1", device: "kiosk", role: .kiosk))
        let view = CustomerView(till.state)
        let encoded = String(describing: view)
        #expect(!encoded.contains("4791234567") && !encoded.contains("91234567"), "the full number: \(encoded)")
        #expect(view.phase == .customerSet(masked: CustomerIdentity.personalQR(try PersonalQRCode(scanned: "https://qr.vipps.no/28/2/01/031/4791234567?v=1")).masked))
        #expect(view.scan == .recognised)
    }

    @Test func theKioskScannerIsAnsweredOnTheCustomersScreenAndNeverSellsAProduct() {
        var till = TillDriver()
        till.type("1001")
        let before = till.state.basket.total
        #expect(till.send(.scanned(text: "7040000000016", device: "kiosk", role: .kiosk)) == [.bell])
        #expect(till.state.basket.total == before)
        #expect(CustomerView(till.state).scan == .productCode)
        // A cashier's product scan is a product, not an answer for the customer.
        till.apply(.scanned(text: "7040000000016", device: "counter", role: .cashier))
        #expect(till.state.basket.total > before)
        #expect(CustomerView(till.state).scan == .productCode, "the customer's last answer stays until they scan again")
        // The next sale starts with no answer.
        till.apply(.scanned(text: "https://qr.vipps.no/28/2/01/031/4791234567?v=1", device: "kiosk", role: .kiosk))
        #expect(CustomerView(till.state).scan == .recognised)
    }

    /// The QR fallback: F2 twice, the shop's QR code; the payment is made with `userFlow: QR`
    /// and no customer, and the customer's view holds the address the code is drawn from.
    @Test func theCustomerScansTheShopsQRCode() throws {
        var till = TillDriver()
        till.type("1001")
        till.press(.function(2))
        till.press(.function(2))
        #expect(till.state.customer == .shopQR)
        #expect(till.state.mode == .selling(.code))
        guard case .createPayment(let request, _) = try #require(till.send(.keyPressed(.function(4))).first) else {
            Issue.record("no payment made")
            return
        }
        #expect(request.userFlow == .QR)
        #expect(request.qrFormat == QRFormat(format: "TEXT/TARGETURL"))
        #expect(request.customer == nil)
        #expect(request.customerInteraction == .CUSTOMER_PRESENT)
        #expect(request.receipt != nil)
        let url = "https://qr.vipps.no/v1?token=abc"
        #expect(till.send(.paymentCreated(reference: request.reference, redirectUrl: url)) == [.pollPayment(reference: request.reference)])
        #expect(till.state.payment?.qrURL == url)
        guard case .scanOurCode(let shown, let amount, _) = CustomerView(till.state).phase else {
            Issue.record("the display does not show the code: \(CustomerView(till.state).phase)")
            return
        }
        #expect(shown == url && amount == request.amount.value)
        // A push payment never carries an address to show, whatever the answer says.
        var push = TillDriver()
        push.type("1001")
        push.press(.function(2))
        push.type("91234567")
        let pushed = try #require(push.send(.keyPressed(.function(4))).first?.paymentRequest)
        #expect(pushed.userFlow == .PUSH_MESSAGE && pushed.qrFormat == nil)
        #expect(push.send(.paymentCreated(reference: pushed.reference, redirectUrl: "https://landing.example/")) == [.pollPayment(reference: pushed.reference)])
        #expect(push.state.payment?.qrURL == nil)
    }

    @Test(arguments: [
        ("7040000000016", CustomerView.ScanAnswer.productCode),
        ("https://qr.vipps.no/28/2/01/031/4791234567?v=1", .recognised),
        ("https://www.example.no/", .notPersonalQR),
        ("", .unreadable),
        ("#¤%", .unreadable),
    ])
    func scansAreAnsweredForTheCustomer(text: String, answer: CustomerView.ScanAnswer) {
        #expect(CustomerView.ScanAnswer.of(text) == answer)
    }

    @Test func theTimeLeftCountsDown() {
        let view = CustomerView(shopName: "S", language: "en", currency: "NOK", lines: [], total: 13657,
                                phase: .approveInApp(amount: 13657, secondsLeft: 247))
        let text = CustomerScreen.render(view, size: Self.small).text
        #expect(text.contains("Approve NOK 136.57 in your app") || text.contains("Approve"), "\(text)")
        #expect(text.contains("Time left 4:07"), "\(text)")
    }
}
