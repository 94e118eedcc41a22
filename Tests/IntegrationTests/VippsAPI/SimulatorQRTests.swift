import AsyncHTTPClient
import Foundation
@testable import IntegrationSupport
import NIOCore
import Testing

/// `userFlow: QR` as the ePayment API documents it: the QR format options, the images the
/// `redirectUrl` names, a real decoder reading them, and approving the payment it leads to.
@Suite struct SimulatorQRTests {
    static func body(_ reference: String, qrFormat: String?) -> String {
        """
        {"amount":{"value":13657,"currency":"NOK"},"paymentMethod":{"type":"WALLET"},"reference":"\(reference)",\
        "userFlow":"QR","customerInteraction":"CUSTOMER_PRESENT","paymentDescription":"Kasse test"\
        \(qrFormat.map { ",\"qrFormat\":\($0)" } ?? "")}
        """
    }


    @Test func eachQRFormatAndTheCodeLeadsToAPaymentThatCanBeApproved() async throws {
        let sim = try await SimulatorHarness.start()
        // TEXT/TARGETURL: the address the QR code holds (the till draws the code itself).
        let text = try await sim.api(.POST, "/epayment/v1/payments", key: "qr-1", body: Self.body("qr-text-1", qrFormat: #"{"format":"TEXT/TARGETURL"}"#))
        #expect(text.status == 201, "\(text.body)")
        let target = try #require(text.json["redirectUrl"] as? String)
        #expect(target.hasPrefix(sim.baseURL + "/simulator/v1/landing/qr-text-1?token="))
        let landing = try await SimulatorQRFixture.bytes(target)
        #expect(landing.status == 200 && String(decoding: landing.body, as: UTF8.self).contains("qr-text-1"))

        // The default, SVG: an image of the code.
        let svg = try await sim.api(.POST, "/epayment/v1/payments", key: "qr-2", body: Self.body("qr-svg-1", qrFormat: nil))
        let svgURL = try #require(svg.json["redirectUrl"] as? String)
        let svgImage = try await SimulatorQRFixture.bytes(svgURL)
        #expect(svgImage.status == 200 && svgImage.type == "image/svg+xml")
        #expect(String(decoding: svgImage.body, as: UTF8.self).hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))

        // PNG of a given size: a real decoder reads the landing address from it.
        let png = try await sim.api(.POST, "/epayment/v1/payments", key: "qr-3",
                                    body: Self.body("qr-png-1", qrFormat: #"{"format":"IMAGE/PNG","size":300}"#))
        let pngURL = try #require(png.json["redirectUrl"] as? String)
        #expect(pngURL.contains("size=300"))
        let pngImage = try await SimulatorQRFixture.bytes(pngURL)
        #expect(pngImage.status == 200 && pngImage.type == "image/png")
        #expect(Array(pngImage.body.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // Width and height in the IHDR chunk.
        #expect(Array(pngImage.body[16..<24]) == [0, 0, 1, 44, 0, 0, 1, 44])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kasse-sim-qr-\(UUID().uuidString).png").path
        try Data(pngImage.body).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let decoded = try await runProgram("/usr/bin/zbarimg", ["--raw", "-q", path])
        let address = decoded.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(address.hasPrefix(sim.baseURL + "/simulator/v1/landing/qr-png-1?token="), "\(decoded.output) \(decoded.errors)")
        // The token of another payment, or none: no image.
        #expect(try await SimulatorQRFixture.bytes(sim.baseURL + "/simulator/v1/qr/qr-png-1?token=nope&format=png").status == 404)

        // The customer opens the code's address and approves: the payment is AUTHORIZED.
        let reference = "qr-png-1"
        #expect(try await sim.control(.POST, "/simulator/v1/payments/\(reference)/approve").status == 200)
        #expect(try await sim.api(.GET, "/epayment/v1/payments/\(reference)").state == "AUTHORIZED")

        // Options the API refuses.
        for (qrFormat, field) in [(#"{"format":"IMAGE/GIF"}"#, "qrFormat.format"), (#"{"format":"IMAGE/PNG","size":99}"#, "qrFormat.size"),
                                  (#"{"format":"IMAGE/PNG","size":2001}"#, "qrFormat.size")] {
            let refused = try await sim.api(.POST, "/epayment/v1/payments", key: "qr-bad-\(field)-\(qrFormat.count)",
                                            body: Self.body("qr-bad-\(qrFormat.count)", qrFormat: qrFormat))
            #expect(refused.status == 400, "\(qrFormat): \(refused.body)")
            #expect(refused.body.contains(field), "\(refused.body)")
        }
    }
}
