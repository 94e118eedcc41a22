import KasseCore
import VippsModels

// What the core's errors and Vipps MobilePay's failures say to the person at the till. The
// errors keep their English `description` for logs and the command line; the till shows these.

extension VippsFailure {
    /// A short message for the person at the till.
    public var message: Message {
        switch self {
        case .notFound: return Message(.vippsNotFound)
        case .busy(let code) where code == .cannotCancelProcessing: return Message(.vippsApproving)
        case .busy: return Message(.vippsBusy)
        case .noAnswer: return Message(.vippsNoAnswer)
        case .unreachable: return Message(.vippsUnreachable)
        case .unavailable(429): return Message(.vippsTooMany)
        case .unavailable: return Message(.vippsUnavailable)
        case .unauthorized: return Message(.vippsUnauthorized)
        case .unreadableAnswer: return Message(.vippsUnreadable)
        case .misconfigured(let detail): return Message(.vippsMisconfigured, ["detail": .text(detail)])
        case .notSent(let detail): return Message(.vippsNotSent, ["detail": .text(detail)])
        case .refused(let code, _, let title):
            switch code {
            case .customerNotFound?: return Message(.vippsCustomerNotFound)
            case .pushMessageNotAllowed?: return Message(.vippsPushNotAllowed)
            case .invalidPersonalQR?: return Message(.vippsQRRefused)
            case .invalidPhoneNumber?: return Message(.vippsPhoneRefused)
            case .amountTooSmall?: return Message(.vippsAmountTooSmall)
            case .invalidCurrency?: return Message(.vippsCurrency)
            case .referenceExists?: return Message(.vippsReferenceUsed)
            case .fundsUnavailable?: return Message(.vippsFunds)
            default: return title.map { Message(.vippsRefusedTitle, ["title": .text($0)]) } ?? Message(.vippsRefused)
            }
        }
    }
}

extension DecimalInputError {
    public var message: Message {
        switch self {
        case .empty: Message(.inputEmpty)
        case .negative: Message(.inputNegative)
        case .noDigits: Message(.inputNoDigits)
        case .invalidCharacter(let character): Message(.inputBadCharacter, ["character": .text(String(character))])
        case .multipleSeparators: Message(.inputSeparators)
        case .tooManyDecimals(let count): Message(.inputTooManyDecimals, ["count": .number(count)])
        case .noDecimalsAllowed: Message(.inputWholeNumber)
        case .missingDecimals: Message(.inputMissingDecimals)
        case .tooLarge: Message(.inputTooLarge)
        }
    }
}

extension QuantityError {
    public var message: Message {
        switch self {
        case .zero: Message(.quantityZero)
        case .tooMany: Message(.quantityTooMany)
        case .invalidWeight(let error): Message(.weightInvalid, ["reason": .message(error.message)])
        case .invalidCount(let error): Message(.countInvalid, ["reason": .message(error.message)])
        case .needsWeight: Message(.needsWeight)
        case .soldByPiece: Message(.soldByPiece)
        }
    }
}

extension BasketError {
    public var message: Message {
        switch self {
        case .quantity(let error): error.message
        case .noSuchLine: Message(.lineGone)
        case .negativeDiscount: Message(.discountNegative)
        case .discountTooLarge: Message(.discountTooLarge)
        case .discountPercentOutOfRange: Message(.discountPercentRange)
        case .totalTooLarge: Message(.totalTooLarge, ["amount": .amount(Basket.maximumTotal)])
        }
    }
}

extension CustomerInputError {
    public var message: Message {
        switch self {
        case .emptyScan: Message(.scanEmpty)
        case .notAPersonalQR: Message(.notPersonalQR)
        case .incompleteQR: Message(.qrIncomplete)
        case .qrTooLong(let count): Message(.qrTooLong, ["count": .number(count)])
        case .qrHasBadCharacters: Message(.qrBadCharacters)
        case .phoneEmpty: Message(.phoneEmpty)
        case .phoneHasLetters: Message(.phoneLetters)
        case .phonePlusInMiddle: Message(.phonePlus)
        case .phoneTrunkZero: Message(.phoneTrunkZero)
        case .phoneNationalLength(let expected, let found, let market):
            Message(market == .norway ? .phoneLengthNorway : market == .denmark ? .phoneLengthDenmark : .phoneLengthFinland,
                    ["expected": .number(expected), "found": .number(found)])
        case .phoneFinnishNeedsTrunk: Message(.phoneFinnishTrunk)
        case .phoneWrongLength(let count): Message(.phoneWrongLength, ["count": .number(count)])
        }
    }
}

extension GTINError {
    public var message: Message {
        switch self {
        case .empty: Message(.gtinEmpty)
        case .notDigits: Message(.gtinNotDigits)
        case .wrongLength(let count): Message(.gtinWrongLength, ["count": .number(count)])
        case .badCheckDigit(let expected, let found): Message(.gtinCheckDigit, ["expected": .number(expected), "found": .number(found)])
        }
    }
}

extension LookupError {
    public var message: Message {
        switch self {
        case .empty: Message(.lookupEmpty)
        case .invalidGTIN(let error): error.message
        case .unknownGTIN(let gtin): Message(.unknownGTIN, ["code": .text(gtin.original)])
        case .unknownCode(let code): Message(.unknownCode, ["code": .text(code)])
        }
    }
}
