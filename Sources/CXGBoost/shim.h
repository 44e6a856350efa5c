#include <stddef.h>
#include <xgboost/c_api.h>

/// The XGBoost functions proj calls, bound at run time: libxgboost is opened on first use, so a process
/// that never trains or scores with it (`proj serve` with a tree model walked in Swift) neither loads it nor
/// its OpenMP runtime, and runs where it is not installed.
typedef struct {
    __typeof__(&XGBGetLastError) XGBGetLastError;
    __typeof__(&XGDMatrixCreateFromMat) XGDMatrixCreateFromMat;
    __typeof__(&XGDMatrixSetFloatInfo) XGDMatrixSetFloatInfo;
    __typeof__(&XGDMatrixFree) XGDMatrixFree;
    __typeof__(&XGProxyDMatrixCreate) XGProxyDMatrixCreate;
    __typeof__(&XGBoosterCreate) XGBoosterCreate;
    __typeof__(&XGBoosterFree) XGBoosterFree;
    __typeof__(&XGBoosterSetParam) XGBoosterSetParam;
    __typeof__(&XGBoosterUpdateOneIter) XGBoosterUpdateOneIter;
    __typeof__(&XGBoosterPredict) XGBoosterPredict;
    __typeof__(&XGBoosterPredictFromDense) XGBoosterPredictFromDense;
    __typeof__(&XGBoosterLoadModelFromBuffer) XGBoosterLoadModelFromBuffer;
    __typeof__(&XGBoosterSaveModelToBuffer) XGBoosterSaveModelToBuffer;
    __typeof__(&XGBoostVersion) XGBoostVersion;
} ProjXGBoostAPI;

/// Fills `api` with `lookup(context, name)` for each function; returns the first name not found, or NULL.
static inline const char *proj_xgboost_bind(ProjXGBoostAPI *api, void *(*lookup)(void *, const char *), void *context) {
#define PROJ_BIND(name) if (!(api->name = (__typeof__(&name))lookup(context, #name))) return #name;
    PROJ_BIND(XGBGetLastError)
    PROJ_BIND(XGDMatrixCreateFromMat)
    PROJ_BIND(XGDMatrixSetFloatInfo)
    PROJ_BIND(XGDMatrixFree)
    PROJ_BIND(XGProxyDMatrixCreate)
    PROJ_BIND(XGBoosterCreate)
    PROJ_BIND(XGBoosterFree)
    PROJ_BIND(XGBoosterSetParam)
    PROJ_BIND(XGBoosterUpdateOneIter)
    PROJ_BIND(XGBoosterPredict)
    PROJ_BIND(XGBoosterPredictFromDense)
    PROJ_BIND(XGBoosterLoadModelFromBuffer)
    PROJ_BIND(XGBoosterSaveModelToBuffer)
    PROJ_BIND(XGBoostVersion)
#undef PROJ_BIND
    return NULL;
}
