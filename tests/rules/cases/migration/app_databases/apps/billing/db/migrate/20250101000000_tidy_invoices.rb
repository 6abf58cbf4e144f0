# Runs on PostgreSQL in production, so the lock rules apply here.
class TidyInvoices < ActiveRecord::Migration[8.0]
  def up
    add_index :invoices, :customer_id
    change_column_null :invoices, :number, false
    remove_column :invoices, :legacy_total
  end

  def down
    add_column :invoices, :legacy_total, :integer
    change_column_null :invoices, :number, true
    remove_index :invoices, :customer_id
  end
end
