import KasseCore
import KasseLanguage
import VippsModels

/// What the customer may see of the till: the shop, the lines and the total, and where the
/// payment stands. A pure function of the till's state, with nothing only the cashier may
/// see (no employee, no journal, no cashier messages, the customer's number masked). It is what
/// the till sends to a customer display (`kasse display`), which draws it with `CustomerScreen`.
public struct CustomerView: Sendable, Hashable, Codable {
    public struct Line: Sendable, Hashable, Codable {
        public var name: String
        /// As the till's language writes it ("2", "0,356 kg").
        public var quantity: String
        /// Minor units; negative for a line taken back.
        public var amount: Int

        public init(name: String, quantity: String, amount: Int) {
            self.name = name
            self.quantity = quantity
            self.amount = amount
        }
    }

    public enum Phase: Sendable, Hashable, Codable {
        /// No sale yet.
        case welcome
        /// Lines on the bill and nobody to pay yet: the customer is asked to scan.
        case shopping
        /// The customer is known (their number masked).
        case customerSet(masked: String)
        /// Sent to the customer's phone: approve in the app before the time runs out.
        case approveInApp(amount: Int, secondsLeft: Int)
        /// The shop's QR code for the customer's camera (`userFlow: QR`).
        case scanOurCode(url: String, amount: Int, secondsLeft: Int)
        /// A code the display will not draw: its address is not Vipps MobilePay's (set by the
        /// display itself, `restrictingCodes`).
        case codeRefused(amount: Int, secondsLeft: Int)
        /// Being sent, checked or captured: a moment.
        case working
        case paid(amount: Int)
        case notPaid(NotPaid)
        /// The display has no till (drawn by the display itself).
        case closed
    }

    public enum NotPaid: String, Sendable, Hashable, Codable {
        case declined, expired, cancelled, failed
    }

    /// The answer to the customer's own scan at the kiosk scanner.
    public enum ScanAnswer: String, Sendable, Hashable, Codable {
        case recognised, productCode, notPersonalQR, partialRead, unreadable, paymentInProgress
    }

    public var shopName: String
    /// The shop's language (`nb`, `da`, `fi`, `en`).
    public var language: String
    public var currency: String
    public var lines: [Line]
    public var total: Int
    public var phase: Phase
    public var scan: ScanAnswer?
    /// Training mode: nothing here is a real payment.
    public var training: Bool
    /// The app's name as the customer's words say it today (`MobilePay` or `Vipps` in Denmark
    /// and Finland; absent in Norway); the display names it so.
    public var app: AppBrand?

    public init(shopName: String, language: String, currency: String, lines: [Line], total: Int, phase: Phase,
                scan: ScanAnswer? = nil, training: Bool = false, app: AppBrand? = nil) {
        self.app = app
        self.shopName = shopName
        self.language = language
        self.currency = currency
        self.lines = lines
        self.total = total
        self.phase = phase
        self.scan = scan
        self.training = training
    }

    /// The screen a display shows while it cannot reach its till.
    public static func closed(shopName: String = "", language: String = "en") -> CustomerView {
        CustomerView(shopName: shopName, language: language, currency: "NOK", lines: [], total: 0, phase: .closed)
    }

    /// The customer's view of the till's state.
    public init(_ state: TillState) {
        let language = state.settings.language
        let basket = state.payment.map { _ in state.basket } ?? state.basket
        lines = basket.lines.map { line in
            Line(name: line.product.name, quantity: language.quantity(line.quantity), amount: line.signedTotal)
        }
        total = basket.total
        shopName = state.settings.shopName
        self.language = language.code
        app = AppBrand.inUse(in: state.settings.market, on: state.today)
        currency = basket.currency.rawValue
        training = state.training
        scan = state.customerScan
        if let payment = state.payment {
            let secondsLeft = max(0, Int((payment.expiresAt - state.now).components.seconds))
            switch payment.phase {
            case .waiting:
                if let url = payment.qrURL {
                    phase = .scanOurCode(url: url, amount: payment.amount, secondsLeft: secondsLeft)
                } else {
                    phase = .approveInApp(amount: payment.amount, secondsLeft: secondsLeft)
                }
            case .creating, .checking, .capturing, .captureDelayed, .cancelling:
                phase = .working
            case .paid(let captured):
                phase = .paid(amount: captured)
            case .failed(let end):
                switch end {
                case .declined: phase = .notPaid(.declined)
                case .expired: phase = .notPaid(.expired)
                case .cancelled: phase = .notPaid(.cancelled)
                case .refused, .notCreated, .notCaptured: phase = .notPaid(.failed)
                }
            }
        } else if let customer = state.customer {
            phase = .customerSet(masked: customer.masked)
        } else {
            phase = lines.isEmpty ? .welcome : .shopping
        }
    }
}

extension CustomerView.ScanAnswer {
    /// What a scan at the customer's scanner was, for the customer.
    public static func of(_ scanned: String) -> CustomerView.ScanAnswer {
        switch ScanClassification.classify(scanned) {
        case .personalQR: return .recognised
        case .gtin: return .productCode
        case .text(let text):
            do {
                _ = try PersonalQRCode(scanned: text)
                return .recognised
            } catch .incompleteQR {
                return .partialRead
            } catch {
                // Another QR code (an address) or what a scanner makes of a bad read.
                return text.contains("://") || text.lowercased().hasPrefix("www.") ? .notPersonalQR : .unreadable
            }
        }
    }
}

extension CustomerView {
    /// Vipps MobilePay's own domains: a payment code the customer scans leads to one of them
    /// (`https://` only), whatever the till sends.
    public static let paymentDomains = ["vipps.no", "vipps.dk", "vipps.fi", "mobilepay.dk", "mobilepay.fi"]

    /// Whether a display draws `url` as the code to pay with: an `https://` address on one of
    /// `paymentDomains` (no user part: `https://pay.vipps.no@elsewhere` is elsewhere), or, when
    /// `loopback` (a display beside its till, where the demo's simulator runs), an address on
    /// this machine.
    public static func mayDraw(_ url: String, loopback: Bool) -> Bool {
        let lowered = url.lowercased()
        let scheme: String
        if lowered.hasPrefix("https://") { scheme = "https" } else if lowered.hasPrefix("http://") { scheme = "http" } else { return false }
        let rest = lowered.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains("\\"),
              authority.allSatisfy({ $0.isASCII && !$0.isWhitespace })
        else { return false }
        let host: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return false }
            host = authority[...close]
        } else {
            host = authority.prefix { $0 != ":" }
        }
        if loopback, ["127.0.0.1", "localhost", "[::1]"].contains(String(host)) { return true }
        guard scheme == "https" else { return false }
        return paymentDomains.contains { host == $0 || host.hasSuffix("." + $0) }
    }

    /// This view as a display draws it: a code it may not draw becomes `codeRefused`.
    public func restrictingCodes(loopback: Bool) -> CustomerView {
        guard case .scanOurCode(let url, let amount, let secondsLeft) = phase, !Self.mayDraw(url, loopback: loopback) else { return self }
        var view = self
        view.phase = .codeRefused(amount: amount, secondsLeft: secondsLeft)
        return view
    }
}
