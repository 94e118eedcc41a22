import ArgumentParser
import Foundation
import KasseCore
import KasseLanguage
import KasseTillApp
import VippsModels

struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Check, search and generate product catalogs.",
        subcommands: [Check.self, Lookup.self, Search.self, Generate.self]
    )

    struct CatalogOptions: ParsableArguments {
        @Option(name: .long, help: "The catalog file (CSV: sku,gtin,name,unit_price,vat_rate,unit).")
        var file: String = "assets/catalog.csv"

        @Option(name: .long, help: "The shop's market: NO, DK or FI. Sets currency and allowed VAT rates.")
        var market: String = "NO"

        func resolvedMarket() throws -> Market {
            guard let market = Market(code: market) else {
                throw ValidationError("--market must be NO, DK or FI, not '\(market)'")
            }
            return market
        }

        func load() throws -> (CatalogCSV.Result, Market) {
            let market = try resolvedMarket()
            // Read as the till reads it: bytes, with invalid UTF-8 in a name repaired and said,
            // never the whole file refused.
            guard let data = FileManager.default.contents(atPath: file) else {
                throw CLIError("cannot read the catalog \(file): \(FileManager.default.fileExists(atPath: file) ? "permission denied" : "no such file")")
            }
            let result = data.withUnsafeBytes { CatalogCSV.parse(bytes: $0.bindMemory(to: UInt8.self), market: market) }
            return (result, market)
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load a catalog and report every line with a mistake.")

        @OptionGroup var options: CatalogOptions

        func run() async throws {
            let (result, market) = try options.load()
            for problem in result.problems {
                FileHandle.standardError.write(Data("\(options.file): \(problem)\n".utf8))
            }
            // Rates no longer in force still load (the till sells at today's rate of their
            // category); say so, once per rate, so the shop can update its file.
            let today = TillLauncher.today(in: ShopTimeZone.of(market))
            var counts: [VATRate: Int] = [:]
            for product in result.catalog.products { counts[product.vatRate, default: 0] += 1 }
            for (rate, count) in counts.sorted(by: { $0.key > $1.key }) {
                let now = market.vatSchedule.rate(for: rate, on: today)
                if now != rate {
                    print("note: \(count) product(s) at \(rate.label), which is no longer in force; they sell at \(now.label) (vat_rate \(now.basisPoints))")
                }
            }
            let weighed = result.catalog.products.filter { $0.unit == .kilogram }.count
            print("\(result.catalog.count) products (\(weighed) sold by weight), \(result.problems.count) problem(s)")
            if !result.problems.isEmpty { throw ExitCode(1) }
        }
    }

    struct Lookup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Find a product by GTIN or SKU.")

        @OptionGroup var options: CatalogOptions
        @Argument(help: "A barcode number (EAN-8, UPC-A, EAN-13, GTIN-14) or a SKU.") var code: String

        func run() async throws {
            let (result, market) = try options.load()
            switch result.catalog.lookup(code: code) {
            case .success(let product):
                print(describe(product, market: market))
            case .failure(let error):
                throw CLIError(error.description)
            }
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Search product names (case- and accent-insensitive).")

        @OptionGroup var options: CatalogOptions
        @Option(help: "Show at most this many products.") var limit: Int = 20
        @Argument(help: "Words of the product name.") var words: [String]

        func run() async throws {
            let (result, market) = try options.load()
            let found = result.catalog.search(name: words.joined(separator: " "), limit: limit)
            for product in found { print(describe(product, market: market)) }
            if found.isEmpty { throw CLIError("no product matches '\(words.joined(separator: " "))'") }
        }
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a large generated catalog (for benchmarks) to standard output.")

        @Option(help: "Number of products.") var count: Int = 100_000
        @Option(help: "Seed; the same seed gives the same catalog.") var seed: UInt64 = 1
        @Option(help: "Market whose VAT rates to use: NO, DK or FI.") var market: String = "NO"

        func run() async throws {
            guard let market = Market(code: market) else { throw ValidationError("--market must be NO, DK or FI") }
            guard count >= 0 else { throw ValidationError("--count must not be negative") }
            FileHandle.standardOutput.write(Data(CatalogGenerator.csv(count: count, seed: seed, market: market).utf8))
        }
    }
}

func describe(_ product: Product, market: Market) -> String {
    let price = Language.of(market).money(product.unitPrice, market.currency)
    let unit = product.unit == .kilogram ? "/kg" : ""
    let gtin = product.gtin.map { " \($0.original)" } ?? ""
    return "\(product.sku)\(gtin)  \(product.name)  \(price)\(unit)  VAT \(product.vatRate.label)"
}
