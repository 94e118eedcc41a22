import Hummingbird
public enum KasseSimulator {}
