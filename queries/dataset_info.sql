-- The dataset's name, time point and whether it is synthetic (one row; none for a new data directory).
SELECT * FROM dataset
