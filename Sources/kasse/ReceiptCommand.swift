import ArgumentParser
import Foundation
import KasseCore
import VippsClient
import VippsModels

struct ReceiptCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt", abstract: "Attach a receipt to a payment after the fact, or read it back.",
        subcommands: [Attach.self, Show.self])

    struct Attach: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Attach a receipt (once only) through the Order Management API.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The payment reference.") var reference: String
        @Option(help: "A JSON receipt: {\"orderLines\": […], \"bottomLine\": {…}}.") var file: String

        func run() async throws {
            let receipt = try readJSONFile(file, as: Receipt.self, what: "receipt")
            guard !receipt.orderLines.isEmpty else { throw CLIError("\(file): a receipt needs at least one order line") }
            let client = try api.makeClient()
            if let payment = try? await client.getPayment(reference) {
                for problem in SaleReceipt.problems(in: receipt, paymentAmount: payment.aggregate.capturedAmount.value > 0
                    ? payment.aggregate.capturedAmount.value : payment.amount.value)
                {
                    warn("warning: receipt: \(problem)")
                }
            }
            try await callAPI { try await client.attachReceipt(reference, receipt: receipt) }
            emit("Receipt attached to \(reference) (\(receipt.orderLines.count) lines)")
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read a payment's receipt back.")
        @OptionGroup var api: APIOptions
        @Argument(help: "The payment reference.") var reference: String

        func run() async throws {
            let client = try api.makeClient()
            let order = try await callAPI { try await client.order(reference) }
            printJSON(order)
        }
    }
}
