COMPETITION = "cat-in-the-dat-ii"

DATA_INPUT = "../input/"
TRAINING_DATA = DATA_INPUT + "train.csv"
TEST_DATA = DATA_INPUT + "test.csv"

MODEL_OUTPUT = "../models/"

TRAINING_FILE = DATA_INPUT + "train_folds.csv"
