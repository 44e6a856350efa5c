"""Saves the benchmark model as an MLflow pyfunc model (python_function flavor) for `mlflow models serve`.
Usage: python mlflow_model.py MODEL_DIR OUT_DIR"""
import sys

import mlflow.pyfunc


class MLflowDetector(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        from detector import Detector
        self.model = Detector(context.artifacts["model"])

    def predict(self, context, model_input, params=None):
        return self.model.predict_frame(model_input)


if __name__ == "__main__":
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    mlflow.pyfunc.save_model(path=sys.argv[2], python_model=MLflowDetector(), artifacts={"model": sys.argv[1]},
                             code_paths=[os.path.join(here, "detector.py")])
