// The XGBoost C API from Debian's libxgboost-dev (1.7).
#include <xgboost/c_api.h>
