import Tabular
import YAML

/// The prediction routes, each written once: its path (as the router matches it, and so its label in
/// /metrics), the body shapes the quick reader takes on it, the protocol's full reader, whether a CSV body is
/// taken, and the encoder of its answer. The router registers every route from this table and the event-loop
/// path (`QuickPredictions`) matches requests against it, so the two answer the same routes the same way.
struct PredictionRoute: Sendable {
    enum Kind: Sendable { case v1, invocations, kserveV1 }

    let kind: Kind
    /// The router's path, which is also the route's label in /metrics.
    let path: String
    let csv: Bool
    /// The keys and shapes of `JSONParser.rows` batches this route takes.
    let quick: @Sendable (String, JSONRows.Shape) -> Bool
    /// The protocol's full reader: every shape it takes, and the message for anything else.
    let rows: @Sendable (Protocols) -> @Sendable (Protocols.Body) throws(ClientError) -> [[Value.Entry]]
    let encode: @Sendable (Protocols, [[Value.Entry]]) -> Value

    static let all: [PredictionRoute] = [
        // proj's own API.
        PredictionRoute(kind: .v1, path: "/v1/predict", csv: true, quick: Protocols.v1Quick,
                        rows: { p in p.v1Rows }, encode: { p, outputs in p.v1Response(outputs) }),
        // MLflow's scoring server.
        PredictionRoute(kind: .invocations, path: "/invocations", csv: true, quick: Protocols.mlflowQuick,
                        rows: { p in p.mlflowRows }, encode: { p, outputs in p.mlflowResponse(outputs) }),
        // KServe v1: POST /v1/models/NAME:predict (the router sees NAME:predict as the name).
        PredictionRoute(kind: .kserveV1, path: "/v1/models/{name}", csv: false, quick: Protocols.v1Quick,
                        rows: { p in p.kserveV1Rows }, encode: { p, outputs in p.mlflowResponse(outputs) }),
    ]

    /// The path a request for `model` names this route by.
    func requestPath(model: String) -> String {
        kind == .kserveV1 ? "/v1/models/\(model):predict" : path
    }
}
