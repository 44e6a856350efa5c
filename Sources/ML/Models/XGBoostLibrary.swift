import CXGBoost
import Glibc

/// libxgboost, opened the first time a model is trained or scored with it (see `ProjXGBoostAPI`): a process
/// that never needs it does not load it, and a machine without it still serves the models walked in Swift.
enum XGBoostLibrary {
    /// The soname Debian's libxgboost0 installs, then the development link.
    static let names = ["libxgboost.so.0", "libxgboost.so"]

    private static let loaded: Result<ProjXGBoostAPI, MLError> = open(names)

    /// The bound functions, or why libxgboost cannot be used here. Every way to a booster or a matrix asks here first.
    static func api() throws(MLError) -> ProjXGBoostAPI { try loaded.get() }

    /// The bound functions, for code that runs only once `api()` has succeeded (on an existing booster or matrix).
    static var bound: ProjXGBoostAPI {
        guard case .success(let api) = loaded else { preconditionFailure("libxgboost used before XGBoostLibrary.api() succeeded") }
        return api
    }

    /// The version of the libxgboost this process opens (`2.0.3`), or nil when there is none.
    static var version: String? {
        guard case .success(let api) = loaded else { return nil }
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        api.XGBoostVersion(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }

    /// The first of `names` that opens, bound; or why none could be used.
    static func open(_ names: [String]) -> Result<ProjXGBoostAPI, MLError> {
        var reasons: [String] = []
        for name in names {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                reasons.append(dlerror().map { String(cString: $0) } ?? name)
                continue
            }
            var api = ProjXGBoostAPI()
            if let missing = proj_xgboost_bind(&api, { handle, name in name.flatMap { dlsym(handle, $0) } }, handle) {
                return .failure(MLError("\(name) has no \(String(cString: missing)): proj needs XGBoost 1.7 or newer"))
            }
            return .success(api)
        }
        return .failure(MLError("XGBoost is not installed here (\(reasons.joined(separator: "; "))): install it with `apt-get install libxgboost0`"))
    }
}

/// The libraries of the ML steps whose versions a lock records beside the machine's.
public enum MLLibraries {
    /// libxgboost's version, or nil when it is not installed.
    public static var xgboostVersion: String? { XGBoostLibrary.version }
}
