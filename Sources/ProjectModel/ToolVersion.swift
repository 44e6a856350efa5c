/// This build of proj, as recorded in bundles and printed by `proj --version`.
public enum ToolVersion {
    public static let current = "0.2.0"
}
