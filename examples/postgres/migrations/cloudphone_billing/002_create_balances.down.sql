-- cloudphone_billing 002 down
DROP TABLE IF EXISTS balance_transactions;
DROP TABLE IF EXISTS user_balances;
