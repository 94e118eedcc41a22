/// Kasse's version: sent to Vipps MobilePay as the system's and plugin's version, written in
/// SAF-T exports.
public enum KasseVersion {
    public static let current = "0.1.0"
}
